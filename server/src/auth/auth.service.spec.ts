import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { ApiException } from '../common/api.exception';
import { RealtimeService } from '../realtime/realtime.service';
import { UsersRepository, type UserRow } from '../users/users.repository';
import { WorkspacesRepository, type WorkspaceRow } from '../workspaces/workspaces.repository';
import type { AuthUser } from './auth-user';
import { AuthService } from './auth.service';
import { LoginRateLimiter } from './login-rate-limiter';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

const IP = '203.0.113.7';

const userRow = (o: Partial<UserRow> = {}): UserRow =>
  rows.userRow({
    password_hash: '$2a$10$storedhashstoredhashstoredhashstoredhashstoredhash12',
    created_at: new Date('2024-01-01T00:00:00.000Z'),
    ...o,
  });

async function rejectionOf(promise: Promise<unknown>): Promise<ApiException> {
  return promise.then(
    () => {
      throw new Error('Expected the call to be rejected');
    },
    (err: unknown) => err as ApiException,
  );
}

describe(AuthService.name, () => {
  let users: ReturnType<typeof strictMock<UsersRepository>>;
  let workspaces: ReturnType<typeof strictMock<WorkspacesRepository>>;
  let hasher: ReturnType<typeof strictMock<PasswordHasher>>;
  let tokens: ReturnType<typeof strictMock<TokenService>>;
  let limiter: ReturnType<typeof strictMock<LoginRateLimiter>>;
  let realtime: ReturnType<typeof strictMock<RealtimeService>>;
  let service: AuthService;

  beforeEach(() => {
    users = strictMock(UsersRepository);
    workspaces = strictMock(WorkspacesRepository);
    hasher = strictMock(PasswordHasher);
    tokens = strictMock(TokenService);
    limiter = strictMock(LoginRateLimiter);
    realtime = strictMock(RealtimeService);
    service = new AuthService(
      users as unknown as UsersRepository,
      workspaces as unknown as WorkspacesRepository,
      hasher as unknown as PasswordHasher,
      tokens as unknown as TokenService,
      limiter as unknown as LoginRateLimiter,
      realtime as unknown as RealtimeService,
    );
  });

  describe('login', () => {
    it('answers a token and the user, and clears the account’s failures', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(0);
      users.findByEmail.mockResolvedValueOnce(userRow());
      hasher.verify.mockResolvedValueOnce(true);
      limiter.recordSuccess.mockResolvedValueOnce(undefined);
      tokens.signAgent.mockResolvedValueOnce('signed.jwt.token');

      const result = await service.login({ email: 'mia@example.com', password: 'correct horse' }, IP);

      expect(result).toEqual({
        accessToken: 'signed.jwt.token',
        user: { id: 'u-1', email: 'mia@example.com', name: 'Mia Manager', role: 'manager', maxChats: 5 },
      });
      expect(result.user).not.toHaveProperty('password_hash');
      expect(limiter.checkAndCount).toHaveBeenCalledWith(IP, 'mia@example.com');
      expect(users.findByEmail).toHaveBeenCalledWith('mia@example.com');
      expect(hasher.verify).toHaveBeenCalledWith('correct horse', userRow().password_hash);
      expect(limiter.recordSuccess).toHaveBeenCalledWith('mia@example.com');
      expect(tokens.signAgent).toHaveBeenCalledWith({
        id: 'u-1',
        workspaceId: 'ws-1',
        role: 'manager',
        tokenVersion: 0,
      });
    });

    it('looks the user up by the trimmed email', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(0);
      users.findByEmail.mockResolvedValueOnce(userRow());
      hasher.verify.mockResolvedValueOnce(true);
      limiter.recordSuccess.mockResolvedValueOnce(undefined);
      tokens.signAgent.mockResolvedValueOnce('t');

      await service.login({ email: '  mia@example.com ', password: 'correct horse' }, IP);

      expect(users.findByEmail).toHaveBeenCalledWith('mia@example.com');
    });

    it('answers 401 invalid_credentials for a wrong password and counts the failure', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(0);
      users.findByEmail.mockResolvedValueOnce(userRow());
      hasher.verify.mockResolvedValueOnce(false);
      limiter.recordFailure.mockResolvedValueOnce(undefined);

      const err = await rejectionOf(service.login({ email: 'mia@example.com', password: 'wrong' }, IP));

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(401);
      expect(err.getResponse()).toEqual({ code: 'invalid_credentials', message: 'Wrong email or password' });
      expect(limiter.recordFailure).toHaveBeenCalledWith('mia@example.com');
      expect(limiter.recordSuccess).not.toHaveBeenCalled();
      expect(tokens.signAgent).not.toHaveBeenCalled();
    });

    it('answers an unknown email exactly like a wrong password', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(0);
      users.findByEmail.mockResolvedValueOnce(null);
      hasher.verify.mockResolvedValue(false); // allowed (a dummy comparison would even be welcome), never required
      limiter.recordFailure.mockResolvedValueOnce(undefined);

      const err = await rejectionOf(service.login({ email: 'nobody@example.com', password: 'whatever' }, IP));

      expect(err.getStatus()).toBe(401);
      expect(err.getResponse()).toEqual({ code: 'invalid_credentials', message: 'Wrong email or password' });
      expect(err.headers).toEqual({});
      expect(limiter.recordFailure).toHaveBeenCalledWith('nobody@example.com');
      expect(tokens.signAgent).not.toHaveBeenCalled();
    });

    it('answers 429 with Retry-After when rate limited, without touching the database or the hasher', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(42);

      const err = await rejectionOf(service.login({ email: 'mia@example.com', password: 'correct horse' }, IP));

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(429);
      expect(err.code).toBe('rate_limited');
      expect(err.headers).toEqual({ 'Retry-After': '42' });
      expect(err.message).toContain('42 s');
      expect(users.findByEmail).not.toHaveBeenCalled();
      expect(hasher.verify).not.toHaveBeenCalled();
      expect(limiter.recordFailure).not.toHaveBeenCalled();
    });

    it('counts attempts and failures against the normalised email, so padded variants share one per-account limit', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(0);
      users.findByEmail.mockResolvedValueOnce(null);
      hasher.verify.mockResolvedValueOnce(false);
      limiter.recordFailure.mockResolvedValueOnce(undefined);

      await rejectionOf(service.login({ email: '  Mia@Example.com ', password: 'guess' }, IP));

      expect(limiter.checkAndCount).toHaveBeenCalledWith(IP, 'mia@example.com');
      expect(users.findByEmail).toHaveBeenCalledWith('mia@example.com');
      expect(limiter.recordFailure).toHaveBeenCalledWith('mia@example.com');
    });

    it('spends a bcrypt comparison on unknown emails too, so response time does not reveal accounts', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(0);
      users.findByEmail.mockResolvedValueOnce(null);
      hasher.verify.mockResolvedValueOnce(false);
      limiter.recordFailure.mockResolvedValueOnce(undefined);

      const error = await rejectionOf(service.login({ email: 'nobody@example.com', password: 'guess' }, IP));

      expect(error.getStatus()).toBe(401);
      expect(hasher.verify).toHaveBeenCalledTimes(1);
      expect(hasher.verify).toHaveBeenCalledWith('guess', expect.stringMatching(/^\$2[aby]\$10\$/));
    });
  });

  describe('changePassword', () => {
    const auth: AuthUser = { id: 'u-1', workspaceId: 'ws-1', role: 'manager', name: 'Mia', email: 'Mia@Example.com' };
    const body = { currentPassword: 'old-password', newPassword: 'new-password-1' };

    it('stores the new hash, closes the user’s sockets and answers a token of the new version', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(0);
      users.findInWorkspace.mockResolvedValueOnce(userRow());
      hasher.verify.mockResolvedValueOnce(true);
      hasher.hash.mockResolvedValueOnce('$2a$10$newhash');
      users.setPassword.mockResolvedValueOnce(userRow({ password_hash: '$2a$10$newhash', token_version: 3 }));
      realtime.disconnectUser.mockReturnValueOnce(undefined);
      tokens.signAgent.mockResolvedValueOnce('fresh.jwt');

      await expect(service.changePassword(auth, body, IP)).resolves.toEqual({ accessToken: 'fresh.jwt' });

      expect(limiter.checkAndCount).toHaveBeenCalledWith(IP, 'mia@example.com');
      expect(users.findInWorkspace).toHaveBeenCalledWith('ws-1', 'u-1');
      expect(hasher.verify).toHaveBeenCalledWith('old-password', userRow().password_hash);
      expect(users.setPassword).toHaveBeenCalledWith('ws-1', 'u-1', '$2a$10$newhash');
      expect(realtime.disconnectUser).toHaveBeenCalledWith('u-1');
      expect(tokens.signAgent).toHaveBeenCalledWith({
        id: 'u-1',
        workspaceId: 'ws-1',
        role: 'manager',
        tokenVersion: 3,
      });
    });

    it('answers 403 wrong_password naming currentPassword, counts the failure and changes nothing', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(0);
      users.findInWorkspace.mockResolvedValueOnce(userRow());
      hasher.verify.mockResolvedValueOnce(false);
      limiter.recordFailure.mockResolvedValueOnce(undefined);

      const err = await rejectionOf(service.changePassword(auth, body, IP));

      expect(err.getStatus()).toBe(403);
      expect(err.getResponse()).toEqual({
        code: 'wrong_password',
        message: 'currentPassword: is not your current password',
        details: [{ field: 'currentPassword', message: 'is not your current password' }],
      });
      expect(limiter.recordFailure).toHaveBeenCalledWith('mia@example.com');
      expect(users.setPassword).not.toHaveBeenCalled();
      expect(realtime.disconnectUser).not.toHaveBeenCalled();
    });

    it('answers 400 naming newPassword when it equals the current one', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(0);
      users.findInWorkspace.mockResolvedValueOnce(userRow());
      hasher.verify.mockResolvedValueOnce(true);

      const err = await rejectionOf(
        service.changePassword(auth, { currentPassword: 'same-pass', newPassword: 'same-pass' }, IP),
      );

      expect(err.getStatus()).toBe(400);
      expect(err.details).toEqual([{ field: 'newPassword', message: 'must differ from the current password' }]);
      expect(users.setPassword).not.toHaveBeenCalled();
    });

    it('answers 429 with Retry-After while the account or IP is over the sign-in limit, before any check', async () => {
      limiter.checkAndCount.mockResolvedValueOnce(30);

      const err = await rejectionOf(service.changePassword(auth, body, IP));

      expect(err.getStatus()).toBe(429);
      expect(err.headers).toEqual({ 'Retry-After': '30' });
      expect(users.findInWorkspace).not.toHaveBeenCalled();
      expect(hasher.verify).not.toHaveBeenCalled();
    });
  });

  describe('me', () => {
    const auth: AuthUser = { id: 'u-1', workspaceId: 'ws-1', role: 'admin', name: 'Ada', email: 'ada@example.com' };
    const workspace: WorkspaceRow = {
      id: 'ws-1',
      name: 'Acme',
      time_zone: 'Europe/Moscow',
      locale: 'ru',
      settings: {},
      created_at: new Date(),
    };

    it('answers the caller with the workspace', async () => {
      workspaces.findById.mockResolvedValueOnce(workspace);

      await expect(service.me(auth)).resolves.toEqual({
        id: 'u-1',
        email: 'ada@example.com',
        name: 'Ada',
        role: 'admin',
        workspace: { id: 'ws-1', name: 'Acme', timeZone: 'Europe/Moscow', locale: 'ru' },
      });
      expect(workspaces.findById).toHaveBeenCalledWith('ws-1');
    });

    it('answers 401 when the workspace is gone', async () => {
      workspaces.findById.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.me(auth));
      expect(err.getStatus()).toBe(401);
      expect(err.code).toBe('unauthorized');
    });
  });
});
