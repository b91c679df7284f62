import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ChangePasswordResponse, LoginResponse, MeDto } from '@onebox/contracts';
import type { AuthUser } from './auth-user';
import { CurrentUser, Public } from './auth.decorators';
import { ChangePasswordBody, LoginBody } from './auth.dto';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('api')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  login(@Body() body: LoginBody, @Ip() ip: string): Promise<LoginResponse> {
    return this.auth.login(body, ip);
  }

  @ApiBearerAuth()
  @Get('me')
  me(@CurrentUser() user: AuthUser): Promise<MeDto> {
    return this.auth.me(user);
  }

  @ApiBearerAuth()
  @Post('me/password')
  @HttpCode(200)
  changePassword(
    @CurrentUser() user: AuthUser,
    @Body() body: ChangePasswordBody,
    @Ip() ip: string,
  ): Promise<ChangePasswordResponse> {
    return this.auth.changePassword(user, body, ip);
  }
}
