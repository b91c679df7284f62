import { Injectable } from '@nestjs/common';
import { UsersRepository } from '../users/users.repository';
import type { AuthUser } from './auth-user';
import { TokenService } from './token.service';

/** A signed-in agent: who, and until when the token that proved it is accepted. */
export interface AgentSession {
  user: AuthUser;
  /** ms since the epoch */
  expiresAt: number;
}

/**
 * One check for every way an agent talks to the server (the HTTP guard and the `/agent` socket):
 * a valid, unexpired access token of a user who still exists, issued since their last password
 * change (the token's version is the user's current one).
 */
@Injectable()
export class AgentAuthenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersRepository,
  ) {}

  async authenticate(token: unknown): Promise<AgentSession | null> {
    const claims = typeof token === 'string' && token ? await this.tokens.verifyAgent(token) : null;
    const row = claims ? await this.users.findById(claims.userId) : null;
    if (!claims || !row || row.token_version !== claims.version) return null;
    return {
      user: { id: row.id, workspaceId: row.workspace_id, role: row.role, name: row.name, email: row.email },
      expiresAt: claims.expiresAt,
    };
  }
}
