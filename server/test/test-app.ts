import type { INestApplication } from '@nestjs/common';
import type { ChannelDto, ChannelType } from '@onebox/contracts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { Client } from 'pg';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { PasswordHasher } from '../src/auth/password-hasher';
import { loadConfig } from '../src/config/app-config';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface TestApp {
  app: INestApplication;
  url: string;
  db: DataSource;
  close(): Promise<void>;
}

let databases = 0;

/**
 * A database of its own for one app: apps of suites running side by side would otherwise claim
 * each other's jobs, and a job's live events would go to the other app's sockets.
 */
export async function ownDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const runUrl = process.env['TEST_DATABASE_URL'];
  const runName = process.env['TEST_DATABASE_NAME'];
  if (!runUrl || !runName) throw new Error('TEST_DATABASE_URL is not set: run through the integration jest project');
  // Suites run in band share the process (and this counter restarts with each file): a random part
  // keeps a suite that could not drop its database from breaking every suite after it.
  const name = `${runName}_${process.pid}_${++databases}_${randomBytes(3).toString('hex')}`;
  const admin = process.env['TEST_PG_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';
  const sql = async (text: string) => {
    const client = new Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await sql(`CREATE DATABASE ${name}`);
  const url = new URL(runUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * The real server on a fresh PostgreSQL database of its own, listening on a free port. Silent,
 * unless `logStream` is given: then its JSON log lines go there.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { logStream?: DestinationStream } = {},
): Promise<TestApp> {
  const database = await ownDatabase();
  const databaseUrl = database.url;
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    ONEBOX_SECRET_KEY: 'integration-test-secret-key-0123456789abcdef',
    ONEBOX_DATA_DIR: mkdtempSync(join(tmpdir(), 'onebox-int-')),
    ONEBOX_ADMIN_EMAIL: 'admin@onebox.test',
    ONEBOX_ADMIN_PASSWORD: 'admin-password-1',
    ONEBOX_SEED_DEMO: 'true',
    ONEBOX_JOB_POLL_MS: '100',
    // The fakes (messenger media, CRMs) listen on 127.0.0.1; a suite that tests the guard clears this.
    ONEBOX_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
    ...env,
  });
  const app = await createApp(
    config,
    options.logStream ? { logStream: options.logStream } : { logger: process.env.DEBUG_APP ? undefined : false },
  );
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    db: app.get(DataSource),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export async function api<T = unknown>(
  base: string,
  path: string,
  options: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(base + path, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

export async function login(base: string, email: string, password: string): Promise<string> {
  const res = await api<{ accessToken: string }>(base, '/api/auth/login', { body: { email, password } });
  if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

/** A second, unrelated workspace with one admin and one webchat channel, written straight to the store. */
export async function createWorkspace(
  db: DataSource,
  label: string,
): Promise<{ workspaceId: string; email: string; password: string; widgetKey: string }> {
  const [{ id: workspaceId }] = await db.query(`INSERT INTO workspaces (name) VALUES ($1) RETURNING id`, [label]);
  const email = `${label}-${Date.now()}@onebox.test`;
  const password = 'password-for-' + label;
  await db.query(
    `INSERT INTO users (workspace_id, email, name, role, password_hash) VALUES ($1, $2, $3, 'admin', $4)`,
    [workspaceId, email, label, await new PasswordHasher().hash(password)],
  );
  const widgetKey = `wk-${label}-${Date.now()}`;
  await db.query(
    `INSERT INTO channels (workspace_id, type, name, webhook_secret, widget_key) VALUES ($1, 'webchat', 'Site', 'secret', $2)`,
    [workspaceId, widgetKey],
  );
  return { workspaceId, email, password, widgetKey };
}

/**
 * A workspace of its own (a workspace has one CRM, and the specs of a run share a database): its
 * admin signed in with an agent socket open, and `channel` connected through the API.
 */
export async function workspaceWithChannel(
  t: TestApp,
  label: string,
  channel: { type: ChannelType; name: string; credentials: Record<string, string> },
): Promise<{ token: string; agent: Socket; channel: ChannelDto }> {
  const workspace = await createWorkspace(t.db, label);
  const token = await login(t.url, workspace.email, workspace.password);
  const agent = await connectAgent(t.url, token);
  const created = await api<ChannelDto>(t.url, '/api/channels', { token, body: channel });
  if (created.status !== 201) throw new Error(`channel: ${created.status} ${JSON.stringify(created.body)}`);
  return { token, agent, channel: created.body };
}

export function connectAgent(base: string, token: string): Promise<Socket> {
  const socket = io(`${base}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export async function connectVisitor(
  base: string,
  widgetKey: string,
  visitorToken?: string,
): Promise<{ socket: Socket; session: { visitorToken: string; history: { text: string }[] } }> {
  const socket = io(`${base}/webchat`, {
    auth: { widgetKey, visitorToken },
    transports: ['websocket'],
    reconnection: false,
  });
  const session = await new Promise<{ visitorToken: string; history: { text: string }[] }>((resolve, reject) => {
    socket.once('session', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, session };
}

export function nextEvent<T = unknown>(
  socket: Socket,
  event: string,
  match: (payload: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(payload);
    };
    socket.on(event, handler);
  });
}

/** Polls `probe` until it answers something truthy, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
