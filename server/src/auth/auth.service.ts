import { HttpStatus, Injectable } from '@nestjs/common';
import type { LoginResponse, MeDto } from '@onebox/contracts';
import { ApiException } from '../common/api.exception';
import { mapUser } from '../users/users.dto';
import { UsersRepository } from '../users/users.repository';
import { WorkspacesRepository } from '../workspaces/workspaces.repository';
import type { AuthUser } from './auth-user';
import { LoginBody, mapMe } from './auth.dto';
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
  ) {}

  async login(body: LoginBody, ip: string): Promise<LoginResponse> {
    const email = body.email.trim().toLowerCase();
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
    const user = await this.users.findByEmail(email);
    // Unknown emails cost a bcrypt comparison too, so timing does not reveal which accounts exist.
    const ok = await this.hasher.verify(body.password, user?.password_hash ?? DUMMY_HASH);
    if (!user || !ok) {
      await this.limiter.recordFailure(email);
      throw new ApiException(HttpStatus.UNAUTHORIZED, 'invalid_credentials', 'Wrong email or password');
    }
    await this.limiter.recordSuccess(email);
    const accessToken = await this.tokens.signAgent({ id: user.id, workspaceId: user.workspace_id, role: user.role });
    return { accessToken, user: mapUser(user) };
  }

  async me(auth: AuthUser): Promise<MeDto> {
    const workspace = await this.workspaces.findById(auth.workspaceId);
    if (!workspace) throw new ApiException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'Sign in to continue');
    return mapMe(auth, workspace);
  }
}
