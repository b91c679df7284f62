import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { UserRole } from '@onebox/contracts';
import type { Request } from 'express';
import { ApiException } from '../common/api.exception';
import { UsersRepository } from '../users/users.repository';
import type { AuthUser } from './auth-user';
import { IS_PUBLIC, ROLES } from './auth.decorators';
import { TokenService } from './token.service';

/** Global guard: a valid bearer token of an existing user, and the route's roles if it names any. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly users: UsersRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const user = await this.authenticate(request.headers.authorization);
    request.user = user;
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(user.role)) throw ApiException.forbidden();
    return true;
  }

  private async authenticate(header: string | undefined): Promise<AuthUser> {
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    const userId = token ? await this.tokens.verifyAgent(token) : null;
    const row = userId ? await this.users.findById(userId) : null;
    if (!row) throw new ApiException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Sign in to continue');
    return { id: row.id, workspaceId: row.workspace_id, role: row.role, name: row.name, email: row.email };
  }
}
