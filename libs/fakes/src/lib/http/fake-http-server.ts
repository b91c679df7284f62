import Busboy from 'busboy';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake received it: the raw bytes and a parsed view. */
export interface RecordedCall {
  method: string;
  /** Path without the query string, e.g. `/bot123:ABC/sendMessage`. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** JSON, urlencoded or multipart fields, merged; files under `files`. */
  body: Record<string, unknown>;
  files: { field: string; fileName: string; mimeType: string; data: Buffer }[];
  at: number;
  /** The HTTP status the fake answered (0 until answered, or when the connection was dropped). */
  status: number;
  /** True when a programmed fault answered instead of the platform. */
  faulted: boolean;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A programmed fault: answer the next matching request(s) with this instead of the real handler. */
export interface Fault {
  /** Only requests whose path ends with this (e.g. `/sendMessage`); any when absent. */
  pathEndsWith?: string;
  /** How many requests it answers (Infinity: until `until`). */
  times: number;
  /**
   * The share of matching requests it answers, spread evenly (0.5: every other one, starting
   * with the second); the others reach the platform. All of them when absent.
   */
  share?: number;
  /** The fault ends at this moment (ms since the epoch), whatever `times` is left. */
  until?: number;
  reply?: FakeReply;
  /** Hold the request this long before answering (a timeout from the client's side). */
  delayMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
}

export type Handler = (call: RecordedCall) => Promise<FakeReply> | FakeReply;

/**
 * The plumbing every fake platform shares: listen on a free port, parse JSON / urlencoded /
 * multipart bodies, record every call for assertions, and inject faults on demand.
 * A platform fake supplies one `handle` function that answers like the real platform.
 */
export class FakeHttpServer {
  readonly calls: RecordedCall[] = [];
  private readonly faults: Fault[] = [];
  /** How far each fault with a `share` is towards answering its next request. */
  private readonly credits = new WeakMap<Fault, number>();
  private server: Server | null = null;
  private baseUrl = '';

  constructor(private readonly handle: Handler) {}

  get url(): string {
    if (!this.baseUrl) throw new Error('fake server not started');
    return this.baseUrl;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${address.port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Queue a fault; faults are consumed in order by matching requests. */
  inject(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Calls whose path ends with `suffix` (e.g. `/sendMessage`). */
  callsTo(suffix: string): RecordedCall[] {
    return this.calls.filter((c) => c.path.endsWith(suffix));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const call = await readCall(req);
      this.calls.push(call);
      const fault = this.takeFault(call.path);
      call.faulted = fault !== undefined;
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault?.drop) {
        req.socket.destroy();
        return;
      }
      const reply = fault?.reply ?? (await this.handle(call));
      call.status = reply.status;
      send(res, reply);
    } catch (err) {
      send(res, { status: 500, body: { error: (err as Error).message } });
    }
  }

  private takeFault(path: string): Fault | undefined {
    const now = Date.now();
    for (let i = this.faults.length - 1; i >= 0; i--)
      if (this.faults[i].until !== undefined && now >= this.faults[i].until!) this.faults.splice(i, 1);
    for (const [index, fault] of this.faults.entries()) {
      if (fault.pathEndsWith && !path.endsWith(fault.pathEndsWith)) continue;
      if (fault.share !== undefined) {
        const credit = (this.credits.get(fault) ?? 0) + fault.share;
        this.credits.set(fault, credit >= 1 ? credit - 1 : credit);
        if (credit < 1) continue;
      }
      fault.times -= 1;
      if (fault.times <= 0) this.faults.splice(index, 1);
      return fault;
    }
    return undefined;
  }
}

function send(res: ServerResponse, reply: FakeReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: Buffer | string = '';
  if (Buffer.isBuffer(reply.body)) payload = reply.body;
  else if (typeof reply.body === 'string') payload = reply.body;
  else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

async function readCall(req: IncomingMessage): Promise<RecordedCall> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks);
  const call: RecordedCall = {
    method: req.method ?? 'GET',
    path: decodeURIComponent(url.pathname),
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    rawBody,
    body: {},
    files: [],
    at: Date.now(),
    status: 0,
    faulted: false,
  };
  const type = String(req.headers['content-type'] ?? '');
  if (rawBody.length === 0) return call;
  if (type.includes('application/json')) {
    call.body = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
  } else if (type.includes('application/x-www-form-urlencoded')) {
    call.body = Object.fromEntries(new URLSearchParams(rawBody.toString('utf8')));
  } else if (type.includes('multipart/form-data')) {
    await parseMultipart(type, rawBody, call);
  }
  return call;
}

function parseMultipart(contentType: string, raw: Buffer, call: RecordedCall): Promise<void> {
  return new Promise((resolve, reject) => {
    const parser = Busboy({ headers: { 'content-type': contentType } });
    parser.on('field', (name, value) => (call.body[name] = value));
    parser.on('file', (field, stream, info) => {
      const parts: Buffer[] = [];
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () =>
        call.files.push({ field, fileName: info.filename ?? '', mimeType: info.mimeType, data: Buffer.concat(parts) }),
      );
    });
    parser.on('close', () => resolve());
    parser.on('error', reject);
    parser.end(raw);
  });
}
