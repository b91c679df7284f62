import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AddressPolicy } from '../outbound/address-policy';

/** Everything the server reads from the environment, validated once at boot. */
export interface AppConfig {
  port: number;
  /** Absolute public origin used in embed snippets and webhook URLs, without a trailing slash. */
  publicUrl: string;
  /** PostgreSQL URL; null runs the embedded PGlite database under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  /** 32+ bytes of key material; credentials and tokens are derived from it. Secret: never logged. */
  secretKey: string;
  /**
   * The key before the last rotation (`ONEBOX_SECRET_KEY_OLD`), or null: tokens it signed (agents'
   * sessions, website visitors' identities) stay valid while it is set. Secret: never logged.
   */
  previousSecretKey: string | null;
  /** How long an agent's access token lasts (`ONEBOX_ACCESS_TOKEN_TTL_SEC`, default 12 h, at most 7 days). */
  accessTokenTtlSec: number;
  adminEmail: string | null;
  adminPassword: string | null;
  /**
   * Redis shared by several server processes (socket.io adapter, rate limits); null: one process
   * keeps both in memory.
   */
  redisUrl: string | null;
  /** Prefix of every Redis key and pub/sub channel, so several deployments can share one Redis. */
  redisPrefix: string;
  /**
   * Which proxies' `X-Forwarded-For` to believe (Express `trust proxy`): `loopback` by default;
   * behind a load balancer on a private network `uniquelocal`, its address, or a hop count —
   * else every client looks like the balancer to the per-IP sign-in limit.
   */
  trustProxy: string | number;
  /** How often the job worker polls when nobody nudges it. */
  jobPollMs: number;
  /** How often analytics facts of changed conversations are recomputed (0: only before analytics queries). */
  analyticsRefreshMs: number;
  /**
   * Multiplies the backoff between retries of durable jobs: 1 in production; tests set a small
   * value to run hours of an outage's retry schedule in seconds. A provider's Retry-After is
   * never scaled (it is the provider's clock).
   */
  retryTimeScale: number;
  /** Seconds without a heartbeat from the agent app after which a user goes offline. */
  presenceTimeoutSec: number;
  /** Where the built Angular app and widget live, served as static files. */
  webRoot: string;
  widgetFile: string;
  demoFile: string;
  uploadMaxBytes: number;
  /**
   * How messenger updates arrive: `webhook` (the platform calls PUBLIC_URL), `polling` (Onebox
   * long-polls; Telegram and MAX), or `auto`: webhooks when PUBLIC_URL is public https.
   */
  updateMode: 'auto' | 'webhook' | 'polling';
  /** Long-poll timeout per request, seconds. */
  pollTimeoutSec: number;
  /** Base URLs of the messenger APIs (tests and demo point them at libs/fakes). */
  apiRoots: { telegram: string; whatsapp: string; max: string };
  /**
   * Where CRM API calls go instead of the connection's own address (tests and the demo point them
   * at libs/fakes); null in production: the connection's base URL is used.
   */
  crmApiRoots: { amocrm: string | null; bitrix24: string | null };
  /**
   * Hosts, IP addresses and CIDR ranges that addresses from users and platforms (CRM URLs, media
   * URLs) may lead to although they are private or local (self-hosted CRMs, tests' fakes).
   */
  allowedPrivateHosts: string[];
  /**
   * How long a website visitor may stay disconnected (page navigation reconnects) before an
   * unanswered chat counts as missed with reason `visitor_left`.
   */
  visitorLeftGraceMs: number;
  /**
   * New website-chat sessions (visitor tokens issued) allowed per 10 minutes from one client IP
   * (`ONEBOX_WIDGET_SESSIONS_PER_IP`, default 60) and on one widget (`ONEBOX_WIDGET_SESSIONS_PER_WIDGET`,
   * default 5000); beyond them the widget is told to retry later.
   */
  widgetSessionsPerIp: number;
  widgetSessionsPerWidget: number;
  /** Seed a webchat channel and demo data on an empty database (default on with the embedded DB). */
  seedDemo: boolean;
  /** Lowest level of the JSON log lines (`LOG_LEVEL`, default info). */
  logLevel: LogLevel;
  /** Bearer token `/metrics` asks for; null leaves it open (for a private network). Secret: never logged. */
  metricsToken: string | null;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[], min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    problems.push(`${name} must be an integer ≥ ${min} (got "${raw}")`);
    return fallback;
  }
  return value;
}

/** Loads the secret key from the environment or, for the embedded setup, from a file created once. */
function loadSecretKey(env: NodeJS.ProcessEnv, dataDir: string, problems: string[]): string {
  const fromEnv = env['ONEBOX_SECRET_KEY'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 32) problems.push('ONEBOX_SECRET_KEY must be at least 32 characters');
    return fromEnv;
  }
  if (env['DATABASE_URL']) {
    problems.push('ONEBOX_SECRET_KEY is required when DATABASE_URL is set');
    return '';
  }
  // Only create the embedded secret file once the rest of the configuration is known to be valid.
  if (problems.length) return '';
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const port = intVar(env, 'PORT', 3000, problems, 1);
  const dataDir = resolve(env['ONEBOX_DATA_DIR'] || '.onebox');
  const publicUrl = (env['PUBLIC_URL'] || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    const url = new URL(publicUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('PUBLIC_URL must be an http(s) URL');
  } catch {
    problems.push(`PUBLIC_URL is not a valid URL (got "${publicUrl}")`);
  }
  const databaseUrl = env['DATABASE_URL'] || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    problems.push('DATABASE_URL must start with postgres://');
  const redisUrl = env['REDIS_URL'] || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must start with redis:// or rediss://');
  const redisPrefix = env['ONEBOX_REDIS_PREFIX'] || 'onebox';
  if (!/^[\w.:-]{1,64}$/.test(redisPrefix))
    problems.push('ONEBOX_REDIS_PREFIX must be 1-64 letters, digits, or . _ : -');
  const trustProxy = trustProxyVar(env['ONEBOX_TRUST_PROXY'], problems);
  const adminEmail = env['ONEBOX_ADMIN_EMAIL'] || null;
  const adminPassword = env['ONEBOX_ADMIN_PASSWORD'] || null;
  if (adminEmail && !/^[^\s@]+@[^\s@]+$/.test(adminEmail)) problems.push('ONEBOX_ADMIN_EMAIL is not an email address');
  if (adminPassword && adminPassword.length < 8) problems.push('ONEBOX_ADMIN_PASSWORD must be at least 8 characters');
  if (Boolean(adminEmail) !== Boolean(adminPassword) && adminPassword) {
    problems.push('ONEBOX_ADMIN_PASSWORD is set without ONEBOX_ADMIN_EMAIL');
  }
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const secretKey = loadSecretKey(env, dataDir, problems);
  const previousSecretKey = env['ONEBOX_SECRET_KEY_OLD'] || null;
  if (previousSecretKey !== null && previousSecretKey.length < 32)
    problems.push('ONEBOX_SECRET_KEY_OLD must be at least 32 characters');
  const accessTokenTtlSec = intVar(env, 'ONEBOX_ACCESS_TOKEN_TTL_SEC', 12 * 3600, problems, 1);
  if (accessTokenTtlSec > 7 * 86400) problems.push('ONEBOX_ACCESS_TOKEN_TTL_SEC must be at most 604800 (7 days)');
  const config: AppConfig = {
    port,
    publicUrl,
    databaseUrl,
    dataDir,
    secretKey,
    previousSecretKey,
    accessTokenTtlSec,
    adminEmail,
    adminPassword,
    redisUrl,
    redisPrefix,
    trustProxy,
    jobPollMs: intVar(env, 'ONEBOX_JOB_POLL_MS', 1000, problems, 10),
    analyticsRefreshMs: intVar(env, 'ONEBOX_ANALYTICS_REFRESH_MS', 5000, problems, 0),
    retryTimeScale: scaleVar(env['ONEBOX_RETRY_TIME_SCALE'], problems),
    presenceTimeoutSec: intVar(env, 'ONEBOX_PRESENCE_TIMEOUT_SEC', 90, problems, 1),
    webRoot: resolve(env['ONEBOX_WEB_ROOT'] || join(repoRoot, 'web', 'dist', 'browser')),
    widgetFile: resolve(env['ONEBOX_WIDGET_FILE'] || join(repoRoot, 'libs', 'widget', 'dist', 'widget.js')),
    demoFile: resolve(env['ONEBOX_DEMO_FILE'] || join(repoRoot, 'libs', 'widget', 'demo', 'demo.html')),
    uploadMaxBytes: intVar(env, 'ONEBOX_UPLOAD_MAX_BYTES', 10 * 1024 * 1024, problems, 1),
    updateMode:
      (['auto', 'webhook', 'polling'] as const).find((m) => m === (env['ONEBOX_UPDATE_MODE'] || 'auto')) ??
      invalidMode(env['ONEBOX_UPDATE_MODE'], problems),
    pollTimeoutSec: intVar(env, 'ONEBOX_POLL_TIMEOUT_SEC', 25, problems, 0),
    apiRoots: {
      telegram: (env['TELEGRAM_API_ROOT'] || 'https://api.telegram.org').replace(/\/+$/, ''),
      whatsapp: (env['WHATSAPP_API_ROOT'] || 'https://graph.facebook.com').replace(/\/+$/, ''),
      max: (env['MAX_API_ROOT'] || 'https://platform-api2.max.ru').replace(/\/+$/, ''),
    },
    crmApiRoots: {
      amocrm: env['AMOCRM_API_ROOT']?.replace(/\/+$/, '') || null,
      bitrix24: env['BITRIX24_API_ROOT']?.replace(/\/+$/, '') || null,
    },
    widgetSessionsPerIp: intVar(env, 'ONEBOX_WIDGET_SESSIONS_PER_IP', 60, problems, 1),
    widgetSessionsPerWidget: intVar(env, 'ONEBOX_WIDGET_SESSIONS_PER_WIDGET', 5000, problems, 1),
    allowedPrivateHosts: allowedHostsVar(env, 'ONEBOX_ALLOWED_PRIVATE_HOSTS', problems),
    visitorLeftGraceMs: intVar(env, 'ONEBOX_VISITOR_LEFT_GRACE_MS', 30_000, problems, 0),
    seedDemo: env['ONEBOX_SEED_DEMO'] ? env['ONEBOX_SEED_DEMO'] === 'true' : !databaseUrl,
    logLevel: logLevelVar(env['LOG_LEVEL'], problems),
    metricsToken: env['METRICS_TOKEN'] || null,
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function allowedHostsVar(env: NodeJS.ProcessEnv, name: string, problems: string[]): string[] {
  const entries = (env[name] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const problem = AddressPolicy.problem(entry);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return entries;
}

function scaleVar(raw: string | undefined, problems: string[]): number {
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!(value > 0 && value <= 1)) {
    problems.push(`ONEBOX_RETRY_TIME_SCALE must be a number in (0, 1] (got "${raw}")`);
    return 1;
  }
  return value;
}

function trustProxyVar(raw: string | undefined, problems: string[]): string | number {
  if (raw === undefined || raw.trim() === '') return 'loopback';
  if (/^\d+$/.test(raw.trim())) return Number(raw);
  const items = raw.split(',').map((s) => s.trim());
  if (items.every((item) => /^(loopback|linklocal|uniquelocal|[\da-f.:]+(\/\d{1,3})?)$/i.test(item)))
    return items.join(', ');
  problems.push(
    `ONEBOX_TRUST_PROXY must be a hop count or a list of loopback, linklocal, uniquelocal, addresses or CIDRs (got "${raw}")`,
  );
  return 'loopback';
}

function logLevelVar(raw: string | undefined, problems: string[]): LogLevel {
  const level = LOG_LEVELS.find((l) => l === (raw || 'info'));
  if (level) return level;
  problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`);
  return 'info';
}

function invalidMode(value: string | undefined, problems: string[]): 'auto' {
  problems.push(`ONEBOX_UPDATE_MODE must be auto, webhook or polling (got "${value}")`);
  return 'auto';
}

/** True when PUBLIC_URL can receive platform webhooks: https on a non-local host. */
export function isPublicHttps(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  const host = url.hostname;
  const local =
    host === 'localhost' ||
    host.endsWith('.local') ||
    /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|0\.|\[?::1\]?$)/.test(host);
  return url.protocol === 'https:' && !local;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
