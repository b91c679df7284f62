import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { UserRole } from '@onebox/contracts';
import { deriveKey } from '../common/secret-box';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/** The HMAC key JWTs are signed with, derived from the secret key (see SecretBox). */
export function jwtSecret(secretKey: string): string {
  return deriveKey(secretKey, 'onebox/jwt').toString('base64');
}

interface AgentClaims {
  sub: string;
  ws: string;
  role: UserRole;
  /** The user's `token_version` when issued: a password change bumps it and revokes the token. */
  ver?: number;
  typ: 'agent';
  exp: number;
}

/** What a valid agent token says; the guard still checks the user and the version against the store. */
export interface AgentToken {
  userId: string;
  /** Tokens from before versions existed count as version 0. */
  version: number;
  /** When the token stops being accepted (ms since the epoch). */
  expiresAt: number;
}

interface VisitorClaims {
  sub: string;
  ch: string;
  typ: 'visitor';
}

/** Signs and checks the two token kinds: agents' access tokens and website visitors' tokens. */
@Injectable()
export class TokenService {
  constructor(
    @Inject(JwtService) private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'accessTokenTtlSec' | 'previousSecretKey'>,
  ) {
    this.previousSecret = config.previousSecretKey ? jwtSecret(config.previousSecretKey) : null;
  }

  private readonly previousSecret: string | null;

  signAgent(user: { id: string; workspaceId: string; role: UserRole; tokenVersion: number }): Promise<string> {
    const claims: Omit<AgentClaims, 'exp'> = {
      sub: user.id,
      ws: user.workspaceId,
      role: user.role,
      ver: user.tokenVersion,
      typ: 'agent',
    };
    return this.jwt.signAsync(claims, { expiresIn: this.config.accessTokenTtlSec });
  }

  /** What a valid, unexpired agent token says, or null. */
  async verifyAgent(token: string): Promise<AgentToken | null> {
    const claims = await this.verify<AgentClaims>(token);
    if (claims?.typ !== 'agent' || typeof claims.sub !== 'string') return null;
    return { userId: claims.sub, version: claims.ver ?? 0, expiresAt: claims.exp * 1000 };
  }

  signVisitor(visitorId: string, channelId: string): Promise<string> {
    const claims: VisitorClaims = { sub: visitorId, ch: channelId, typ: 'visitor' };
    return this.jwt.signAsync(claims, { expiresIn: '365d' });
  }

  /** The visitor id of a valid visitor token issued for this channel, or null. */
  async verifyVisitor(token: string, channelId: string): Promise<string | null> {
    const claims = await this.verify<VisitorClaims>(token);
    return claims?.typ === 'visitor' && claims.ch === channelId ? claims.sub : null;
  }

  /** The `state` of a CRM OAuth round trip: which connection it completes, valid for 30 minutes. */
  signCrmState(connectionId: string): Promise<string> {
    return this.jwt.signAsync({ sub: connectionId, typ: 'crm-oauth' }, { expiresIn: '30m' });
  }

  async verifyCrmState(state: string): Promise<string | null> {
    const claims = await this.verify<{ sub: string; typ: string }>(state);
    return claims?.typ === 'crm-oauth' ? claims.sub : null;
  }

  /** Checked with the current key, then (during a key rotation) with the previous one. */
  private async verify<T extends object>(token: string): Promise<T | null> {
    for (const options of [{}, ...(this.previousSecret ? [{ secret: this.previousSecret }] : [])]) {
      try {
        return await this.jwt.verifyAsync<T>(token, options);
      } catch {
        // next key
      }
    }
    return null;
  }
}
