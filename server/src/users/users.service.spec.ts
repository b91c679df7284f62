import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import type { AuthUser } from '../auth/auth-user';
import { PasswordHasher } from '../auth/password-hasher';
import { ApiException } from '../common/api.exception';
import { RealtimeService } from '../realtime/realtime.service';
import { UsersRepository, type UserRow } from './users.repository';
import { UsersService } from './users.service';

const admin: AuthUser = { id: 'u-admin', workspaceId: 'ws-1', role: 'admin', name: 'Ada', email: 'ada@example.com' };
const HASH = '$2a$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234';

const userRow = (o: Partial<UserRow> = {}): UserRow =>
  rows.userRow({ id: 'u-2', email: 'olga@example.com', name: 'Olga', password_hash: HASH, ...o });

describe(UsersService.name, () => {
  let users: ReturnType<typeof strictMock<UsersRepository>>;
  let hasher: ReturnType<typeof strictMock<PasswordHasher>>;
  let realtime: ReturnType<typeof strictMock<RealtimeService>>;
  let service: UsersService;

  beforeEach(() => {
    users = strictMock(UsersRepository);
    hasher = strictMock(PasswordHasher);
    realtime = strictMock(RealtimeService);
    service = new UsersService(
      users as unknown as UsersRepository,
      hasher as unknown as PasswordHasher,
      realtime as unknown as RealtimeService,
    );
  });

  describe('resetPassword', () => {
    it('stores the new hash (bumping the token version) and closes the user’s sockets', async () => {
      hasher.hash.mockResolvedValueOnce(HASH);
      users.setPassword.mockResolvedValueOnce(userRow({ token_version: 1 }));
      realtime.disconnectUser.mockReturnValueOnce(undefined);

      await service.resetPassword(admin, 'u-2', { newPassword: 'new-password-1' });

      expect(hasher.hash).toHaveBeenCalledWith('new-password-1');
      expect(users.setPassword).toHaveBeenCalledWith('ws-1', 'u-2', HASH);
      expect(realtime.disconnectUser).toHaveBeenCalledWith('u-2');
    });

    it('answers 404 for a user of another workspace (or none), closing nothing', async () => {
      hasher.hash.mockResolvedValueOnce(HASH);
      users.setPassword.mockResolvedValueOnce(null);

      const err = (await service
        .resetPassword(admin, 'u-9', { newPassword: 'new-password-1' })
        .catch((e) => e)) as ApiException;

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(404);
      expect(realtime.disconnectUser).not.toHaveBeenCalled();
    });
  });

  describe('list', () => {
    it('answers the workspace’s users without their password hashes', async () => {
      users.listByWorkspace.mockResolvedValueOnce([
        userRow(),
        userRow({ id: 'u-3', email: 'pat@example.com', name: 'Pat', role: 'head' }),
      ]);

      const result = await service.list(admin);

      expect(users.listByWorkspace).toHaveBeenCalledWith('ws-1');
      expect(result).toEqual([
        { id: 'u-2', email: 'olga@example.com', name: 'Olga', role: 'manager', maxChats: 5 },
        { id: 'u-3', email: 'pat@example.com', name: 'Pat', role: 'head', maxChats: 5 },
      ]);
    });
  });

  describe('update', () => {
    it('sets the routing capacity of a user of the caller’s workspace', async () => {
      users.setMaxChats.mockResolvedValueOnce(userRow({ max_chats: 2 }));
      const result = await service.update(admin, 'u-2', { maxChats: 2 });
      expect(users.setMaxChats).toHaveBeenCalledWith('ws-1', 'u-2', 2);
      expect(result).toEqual({ id: 'u-2', email: 'olga@example.com', name: 'Olga', role: 'manager', maxChats: 2 });
    });

    it('answers 404 for a user of another workspace', async () => {
      users.setMaxChats.mockResolvedValueOnce(null);
      await expect(service.update(admin, 'u-9', { maxChats: 2 })).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('create', () => {
    const body = {
      email: 'olga@example.com',
      name: '  Olga  ',
      password: 'long enough password',
      role: 'manager' as const,
    };

    it('stores the hashed password in the caller’s workspace and answers the user without the hash', async () => {
      hasher.hash.mockResolvedValueOnce(HASH);
      users.insert.mockResolvedValueOnce(userRow());

      const result = await service.create(admin, body);

      expect(hasher.hash).toHaveBeenCalledWith('long enough password');
      expect(users.insert).toHaveBeenCalledWith({
        workspace_id: 'ws-1',
        email: 'olga@example.com',
        name: 'Olga',
        role: 'manager',
        password_hash: HASH,
      });
      expect(result).toEqual({ id: 'u-2', email: 'olga@example.com', name: 'Olga', role: 'manager', maxChats: 5 });
      expect(JSON.stringify(result)).not.toContain(HASH);
      expect(JSON.stringify(users.insert.mock.calls)).not.toContain('long enough password');
    });

    it('answers 409 email_taken naming the email field when the email is in use', async () => {
      hasher.hash.mockResolvedValueOnce(HASH);
      users.insert.mockResolvedValueOnce(null);

      const err = await service.create(admin, body).then(
        () => {
          throw new Error('Expected a rejection');
        },
        (e: unknown) => e as ApiException,
      );

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(409);
      expect(err.code).toBe('email_taken');
      expect(err.details).toEqual([{ field: 'email', message: 'already in use' }]);
    });
  });
});
