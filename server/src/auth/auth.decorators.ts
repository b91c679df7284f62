import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { UserRole } from '@onebox/contracts';
import type { AuthUser } from './auth-user';

export const IS_PUBLIC = 'onebox:public';
export const ROLES = 'onebox:roles';

/** The route needs no login (health, webhooks, the widget's endpoints). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only these roles may call the route. */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES, roles);

/** The authenticated caller, put on the request by the JWT guard. */
export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser => ctx.switchToHttp().getRequest<{ user: AuthUser }>().user,
);
