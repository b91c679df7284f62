import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { CrmContext } from './crm-adapter';

/** axios options that route a request through `CrmContext.agents` when the caller gave some. */
export function agentOptions(ctx: CrmContext): { httpAgent?: HttpAgent; httpsAgent?: HttpsAgent } {
  return ctx.agents ? { httpAgent: ctx.agents.http, httpsAgent: ctx.agents.https } : {};
}
