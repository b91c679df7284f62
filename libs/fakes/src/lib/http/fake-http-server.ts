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
  times: number;
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
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault?.drop) {
        req.socket.destroy();
        return;
      }
      const reply = fault?.reply ?? (await this.handle(call));
      send(res, reply);
    } catch (err) {
      send(res, { status: 500, body: { error: (err as Error).message } });
    }
  }

  private takeFault(path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => !f.pathEndsWith || path.endsWith(f.pathEndsWith));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
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
