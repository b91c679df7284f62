import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { UsersRepository } from '../users/users.repository';
import { AgentAuthenticator } from './agent-authenticator';
import { TokenService } from './token.service';

const EXPIRES = Date.parse('2024-11-21T22:00:00.000Z');

describe(AgentAuthenticator.name, () => {
  let tokens: ReturnType<typeof strictMock<TokenService>>;
  let users: ReturnType<typeof strictMock<UsersRepository>>;
  let authenticator: AgentAuthenticator;

  beforeEach(() => {
    tokens = strictMock(TokenService);
    users = strictMock(UsersRepository);
    authenticator = new AgentAuthenticator(tokens as unknown as TokenService, users as unknown as UsersRepository);
  });

  it('answers the user of a valid token of their current version, and when it expires', async () => {
    tokens.verifyAgent.mockResolvedValueOnce({ userId: 'u-1', version: 2, expiresAt: EXPIRES });
    users.findById.mockResolvedValueOnce(rows.userRow({ token_version: 2 }));

    await expect(authenticator.authenticate('jwt')).resolves.toEqual({
      user: { id: 'u-1', workspaceId: 'ws-1', role: 'manager', name: 'Mia Manager', email: 'mia@example.com' },
      expiresAt: EXPIRES,
    });
    expect(tokens.verifyAgent).toHaveBeenCalledWith('jwt');
    expect(users.findById).toHaveBeenCalledWith('u-1');
  });

  it('refuses a token issued before the last password change (an older version)', async () => {
    tokens.verifyAgent.mockResolvedValueOnce({ userId: 'u-1', version: 1, expiresAt: EXPIRES });
    users.findById.mockResolvedValueOnce(rows.userRow({ token_version: 2 }));

    await expect(authenticator.authenticate('jwt')).resolves.toBeNull();
  });

  it('refuses a token of a user who no longer exists', async () => {
    tokens.verifyAgent.mockResolvedValueOnce({ userId: 'u-gone', version: 0, expiresAt: EXPIRES });
    users.findById.mockResolvedValueOnce(null);

    await expect(authenticator.authenticate('jwt')).resolves.toBeNull();
  });

  it('refuses an invalid or expired token without reading the store', async () => {
    tokens.verifyAgent.mockResolvedValueOnce(null);

    await expect(authenticator.authenticate('expired.jwt')).resolves.toBeNull();
    expect(users.findById).not.toHaveBeenCalled();
  });

  it.each([undefined, null, '', 42, { token: 'x' }])(
    'refuses a missing or non-string token (%p) without checking it',
    async (token) => {
      await expect(authenticator.authenticate(token)).resolves.toBeNull();
      expect(tokens.verifyAgent).not.toHaveBeenCalled();
    },
  );
});
