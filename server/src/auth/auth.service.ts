import { HttpStatus, Injectable } from '@nestjs/common';
import type { ChangePasswordResponse, LoginResponse, MeDto } from '@onebox/contracts';
import { ApiException } from '../common/api.exception';
import { RealtimeService } from '../realtime/realtime.service';
import { mapUser } from '../users/users.dto';
import { UsersRepository } from '../users/users.repository';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';
import type { AuthUser } from './auth-user';
import { ChangePasswordBody, LoginBody, mapMe } from './auth.dto';
import { LoginRateLimiter } from './login-rate-limiter';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

/** A bcrypt hash (cost 10) of a random string nobody knows. */
const DUMMY_HASH = '$2b$10$CwTycUXWue0Thq9StjUM0uJ8.0lTZ0iF3SYWzZ8QhX7uF6bM6H0rW';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly workspaces: WorkspacesRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly limiter: LoginRateLimiter,
    private readonly realtime: RealtimeService,
  ) {}

  async login(body: LoginBody, ip: string): Promise<LoginResponse> {
    const email = body.email.trim().toLowerCase();
    await this.checkRate(ip, email);
    const user = await this.users.findByEmail(email);
    // Unknown emails cost a bcrypt comparison too, so timing does not reveal which accounts exist.
    const ok = await this.hasher.verify(body.password, user?.password_hash ?? DUMMY_HASH);
    if (!user || !ok) {
      await this.limiter.recordFailure(email);
      throw new ApiException(HttpStatus.UNAUTHORIZED, 'invalid_credentials', 'Wrong email or password');
    }
    await this.limiter.recordSuccess(email);
    const accessToken = await this.tokens.signAgent({
      id: user.id,
      workspaceId: user.workspace_id,
      role: user.role,
      tokenVersion: user.token_version,
    });
    return { accessToken, user: mapUser(user) };
  }

  /**
   * The caller's own password: the current one must be right (wrong guesses count like failed
   * sign-ins). Every token issued before stops working and the user's sockets close; the answer is
   * a fresh token, so the tab that asked stays signed in.
   */
  async changePassword(auth: AuthUser, body: ChangePasswordBody, ip: string): Promise<ChangePasswordResponse> {
    const email = auth.email.toLowerCase();
    await this.checkRate(ip, email);
    const user = await this.users.findInWorkspace(auth.workspaceId, auth.id);
    if (!user) throw new ApiException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Sign in to continue');
    if (!(await this.hasher.verify(body.currentPassword, user.password_hash))) {
      await this.limiter.recordFailure(email);
      throw new ApiException(HttpStatus.FORBIDDEN, 'wrong_password', 'currentPassword: is not your current password', [
        { field: 'currentPassword', message: 'is not your current password' },
      ]);
    }
    if (body.newPassword === body.currentPassword)
      throw ApiException.invalid('newPassword', 'must differ from the current password');
    const updated = await this.users.setPassword(auth.workspaceId, auth.id, await this.hasher.hash(body.newPassword));
    if (!updated) throw new ApiException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Sign in to continue');
    this.realtime.disconnectUser(updated.id);
    const accessToken = await this.tokens.signAgent({
      id: updated.id,
      workspaceId: updated.workspace_id,
      role: updated.role,
      tokenVersion: updated.token_version,
    });
    return { accessToken };
  }

  /** 429 with Retry-After while the IP or the account is over its sign-in limit. */
  private async checkRate(ip: string, email: string): Promise<void> {
    const wait = await this.limiter.checkAndCount(ip, email);
    if (wait > 0) {
      throw new ApiException(
        HttpStatus.TOO_MANY_REQUESTS,
        'rate_limited',
        `Too many sign-in attempts. Try again in ${wait} s.`,
        undefined,
        { 'Retry-After': String(wait) },
      );
    }
  }

  async me(auth: AuthUser): Promise<MeDto> {
    const workspace = await this.workspaces.findById(auth.workspaceId);
    if (!workspace) throw new ApiException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Sign in to continue');
    return mapMe(auth, workspace);
  }
}
