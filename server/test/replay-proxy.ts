import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a platform made, and what the app answered to each of its copies. */
export interface ReplayedRequest {
  method: string;
  path: string;
  statuses: number[];
}

/** Headers that belong to one hop, not to the request the platform signed. */
const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/**
 * Stands between the fake platforms and the app as the app's public address (PUBLIC_URL): every
 * webhook a platform sends reaches the app `copies` times at once — the same bytes, the same
 * signature — as at-least-once delivery, retries after a timeout and parallel webhook
 * connections make happen. The platform gets the worst of the answers.
 */
export class ReplayProxy {
  /** The app's real address, set once it listens. */
  target = '';
  readonly requests: ReplayedRequest[] = [];
  private server: Server | null = null;
  private baseUrl = '';

  constructor(private readonly copies: number) {}

  get url(): string {
    if (!this.baseUrl) throw new Error('proxy not started');
    return this.baseUrl;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.forward(req).then(
        (answer) => res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body),
        (err: Error) => res.writeHead(502).end(err.message),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** POSTs go out `copies` times at once; a GET (a verification handshake) once. */
  private async forward(req: IncomingMessage): Promise<{ status: number; type: string; body: Buffer }> {
    if (!this.target) throw new Error('proxy has no target yet');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined && !HOP_HEADERS.has(name))
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    const copy = async () => {
      const res = await fetch(this.target + req.url, { method, headers, body: read ? undefined : body });
      return {
        status: res.status,
        type: res.headers.get('content-type') ?? 'text/plain',
        body: Buffer.from(await res.arrayBuffer()),
      };
    };
    const answers = await Promise.all(Array.from({ length: read ? 1 : this.copies }, copy));
    const statuses = answers.map((a) => a.status);
    this.requests.push({ method, path: new URL(req.url ?? '/', 'http://proxy').pathname, statuses });
    return answers.reduce((worst, a) => (a.status > worst.status ? a : worst));
  }
}
