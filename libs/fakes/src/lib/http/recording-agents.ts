import { Agent as HttpAgent, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';

/** `AdapterContext.mediaAgents` that record every connection made through them (`host:port`). */
export function recordingAgents(): { http: HttpAgent; https: HttpsAgent; connections: string[] } {
  const connections: string[] = [];
  const http = new (class extends HttpAgent {
    override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, socket: Duplex) => void) {
      connections.push(`${options.host}:${options.port}`);
      return super.createConnection(options, callback);
    }
  })();
  return { http, https: new HttpsAgent(), connections };
}
