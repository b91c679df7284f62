import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { UserRole } from '@onebox/contracts';

interface AgentClaims {
  sub: string;
  ws: string;
  role: UserRole;
  typ: 'agent';
}

interface VisitorClaims {
  sub: string;
  ch: string;
  typ: 'visitor';
}

/** Signs and checks the two token kinds: agents' access tokens and website visitors' tokens. */
@Injectable()
export class TokenService {
  constructor(@Inject(JwtService) private readonly jwt: JwtService) {}

  signAgent(user: { id: string; workspaceId: string; role: UserRole }): Promise<string> {
    const claims: AgentClaims = { sub: user.id, ws: user.workspaceId, role: user.role, typ: 'agent' };
    return this.jwt.signAsync(claims, { expiresIn: '12h' });
  }

  /** The user id of a valid agent token, or null. */
  async verifyAgent(token: string): Promise<string | null> {
    const claims = await this.verify<AgentClaims>(token);
    return claims?.typ === 'agent' ? claims.sub : null;
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

  private async verify<T extends object>(token: string): Promise<T | null> {
    try {
      return await this.jwt.verifyAsync<T>(token);
    } catch {
      return null;
    }
  }
}
