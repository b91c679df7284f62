import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { UserRole } from '@onebox/contracts';
import type { Request } from 'express';
import { ApiException } from '../common/api.exception';
import { AgentAuthenticator } from './agent-authenticator';
import type { AuthUser } from './auth-user';
import { IS_PUBLIC, ROLES } from './auth.decorators';

/**
 * Global guard: a valid bearer token of an existing user, not revoked by a password change since,
 * and the route's roles if it names any.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: AgentAuthenticator,
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
    const session = await this.authenticator.authenticate(token);
    if (!session) throw new ApiException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Sign in to continue');
    return session.user;
  }
}
