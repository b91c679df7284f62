import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { UserDto } from '@onebox/contracts';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth-user';
import { uuidPipe } from '../common/uuid.pipe';
import { CreateUserBody, ResetPasswordBody, UpdateUserBody } from './users.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Everyone in the workspace may list colleagues (assignee pickers); only admins create. */
  @Get()
  list(@CurrentUser() auth: AuthUser): Promise<UserDto[]> {
    return this.users.list(auth);
  }

  @Post()
  @Roles('admin')
  create(@CurrentUser() auth: AuthUser, @Body() body: CreateUserBody): Promise<UserDto> {
    return this.users.create(auth, body);
  }

  @Patch(':id')
  @Roles('admin')
  update(
    @CurrentUser() auth: AuthUser,
    @Param('id', uuidPipe('User')) id: string,
    @Body() body: UpdateUserBody,
  ): Promise<UserDto> {
    return this.users.update(auth, id, body);
  }

  /** Sets a new password for a user (who forgot theirs, or left): their sessions end. */
  @Post(':id/password')
  @Roles('admin')
  @HttpCode(204)
  resetPassword(
    @CurrentUser() auth: AuthUser,
    @Param('id', uuidPipe('User')) id: string,
    @Body() body: ResetPasswordBody,
  ): Promise<void> {
    return this.users.resetPassword(auth, id, body);
  }
}
