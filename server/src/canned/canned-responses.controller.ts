import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { CannedResponseDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { CreateCannedBody, ListCannedQuery, UpdateCannedBody } from './canned-responses.dto';
import { CannedResponsesService } from './canned-responses.service';

const cannedId = uuidPipe('Canned response');

@ApiTags('canned responses')
@ApiBearerAuth()
@Controller('api/canned-responses')
export class CannedResponsesController {
  constructor(private readonly canned: CannedResponsesService) {}

  @Get()
  list(@CurrentUser() auth: AuthUser, @Query() query: ListCannedQuery): Promise<CannedResponseDto[]> {
    return this.canned.list(auth, query.q);
  }

  @Post()
  create(@CurrentUser() auth: AuthUser, @Body() body: CreateCannedBody): Promise<CannedResponseDto> {
    return this.canned.create(auth, body);
  }

  @Patch(':id')
  update(
    @CurrentUser() auth: AuthUser,
    @Param('id', cannedId) id: string,
    @Body() body: UpdateCannedBody,
  ): Promise<CannedResponseDto> {
    return this.canned.update(auth, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentUser() auth: AuthUser, @Param('id', cannedId) id: string): Promise<void> {
    return this.canned.remove(auth, id);
  }
}
