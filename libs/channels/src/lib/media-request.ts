import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { AdapterContext } from './channel-adapter';

/** axios options for a request to an address the platform handed out (see `AdapterContext.mediaAgents`). */
export function mediaRequestOptions(ctx: AdapterContext): { httpAgent?: HttpAgent; httpsAgent?: HttpsAgent } {
  return ctx.mediaAgents ? { httpAgent: ctx.mediaAgents.http, httpsAgent: ctx.mediaAgents.https } : {};
}
