import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

const SECRET = 'k'.repeat(40);

/** The problems `loadConfig(env)` reports, or fails the test when it reports none. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('Expected loadConfig to reject the configuration');
}

describe(loadConfig.name, () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'onebox-config-'));
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs with defaults on the embedded database', () => {
    const config = loadConfig({ ONEBOX_DATA_DIR: dataDir });

    expect(config).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      databaseUrl: null,
      dataDir,
      adminEmail: null,
      adminPassword: null,
      redisUrl: null,
      redisPrefix: 'onebox',
      trustProxy: 'loopback',
      jobPollMs: 1000,
      uploadMaxBytes: 10 * 1024 * 1024,
      seedDemo: true,
    });
    expect(config.secretKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('reads the variables it is given', () => {
    const config = loadConfig({
      PORT: '8080',
      PUBLIC_URL: 'https://inbox.example.com//',
      DATABASE_URL: 'postgresql://onebox@db/onebox',
      ONEBOX_SECRET_KEY: SECRET,
      ONEBOX_ADMIN_EMAIL: 'ada@example.com',
      ONEBOX_ADMIN_PASSWORD: 'long enough',
      REDIS_URL: 'redis://cache:6379',
      ONEBOX_REDIS_PREFIX: 'onebox-eu',
      ONEBOX_TRUST_PROXY: 'uniquelocal, 10.1.0.0/16',
      ONEBOX_JOB_POLL_MS: '250',
      ONEBOX_UPLOAD_MAX_BYTES: '1024',
      ONEBOX_DATA_DIR: dataDir,
    });

    expect(config).toMatchObject({
      port: 8080,
      publicUrl: 'https://inbox.example.com',
      databaseUrl: 'postgresql://onebox@db/onebox',
      secretKey: SECRET,
      adminEmail: 'ada@example.com',
      adminPassword: 'long enough',
      redisUrl: 'redis://cache:6379',
      redisPrefix: 'onebox-eu',
      trustProxy: 'uniquelocal, 10.1.0.0/16',
      jobPollMs: 250,
      uploadMaxBytes: 1024,
      seedDemo: false,
    });
  });

  it('reads the security settings: token lifetime, widget session limits, the previous key of a rotation', () => {
    const defaults = loadConfig({ ONEBOX_DATA_DIR: dataDir });
    expect(defaults).toMatchObject({
      accessTokenTtlSec: 12 * 3600,
      previousSecretKey: null,
      widgetSessionsPerIp: 60,
      widgetSessionsPerWidget: 5000,
    });
    const config = loadConfig({
      ONEBOX_DATA_DIR: dataDir,
      ONEBOX_ACCESS_TOKEN_TTL_SEC: '3600',
      ONEBOX_SECRET_KEY_OLD: 'o'.repeat(40),
      ONEBOX_WIDGET_SESSIONS_PER_IP: '10',
      ONEBOX_WIDGET_SESSIONS_PER_WIDGET: '100',
    });
    expect(config).toMatchObject({
      accessTokenTtlSec: 3600,
      previousSecretKey: 'o'.repeat(40),
      widgetSessionsPerIp: 10,
      widgetSessionsPerWidget: 100,
    });
  });

  it('refuses a token lifetime over 7 days, a short previous key and zero widget sessions, without revealing the key', () => {
    const problems = problemsOf({
      ONEBOX_DATA_DIR: dataDir,
      ONEBOX_ACCESS_TOKEN_TTL_SEC: String(8 * 86400),
      ONEBOX_SECRET_KEY_OLD: 'short-old-key',
      ONEBOX_WIDGET_SESSIONS_PER_IP: '0',
    });
    expect(problems).toEqual([
      'ONEBOX_SECRET_KEY_OLD must be at least 32 characters',
      'ONEBOX_ACCESS_TOKEN_TTL_SEC must be at most 604800 (7 days)',
      'ONEBOX_WIDGET_SESSIONS_PER_IP must be an integer ≥ 1 (got "0")',
    ]);
    expect(problems.join()).not.toContain('short-old-key');
  });

  it('lets ONEBOX_SEED_DEMO override the default', () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://db/x', ONEBOX_SECRET_KEY: SECRET, ONEBOX_SEED_DEMO: 'true' }).seedDemo,
    ).toBe(true);
    expect(loadConfig({ ONEBOX_DATA_DIR: dataDir, ONEBOX_SEED_DEMO: 'false' }).seedDemo).toBe(false);
  });

  it.each(['abc', '0', '-1', '80.5'])('lists PORT=%p as a problem', (port) => {
    expect(problemsOf({ PORT: port, ONEBOX_SECRET_KEY: SECRET })).toEqual([
      `PORT must be an integer ≥ 1 (got "${port}")`,
    ]);
  });

  it('requires ONEBOX_SECRET_KEY with DATABASE_URL', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://db/onebox', ONEBOX_DATA_DIR: dataDir })).toEqual([
      'ONEBOX_SECRET_KEY is required when DATABASE_URL is set',
    ]);
  });

  it('lists a short secret without revealing it', () => {
    let error: unknown;
    try {
      loadConfig({ ONEBOX_SECRET_KEY: 'short-secret-value', ONEBOX_DATA_DIR: dataDir });
    } catch (err) {
      error = err;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['ONEBOX_SECRET_KEY must be at least 32 characters']);
    expect((error as ConfigError).message).not.toContain('short-secret-value');
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      PUBLIC_URL: 'ftp://files.example.com',
      DATABASE_URL: 'mysql://db/onebox',
      ONEBOX_ADMIN_EMAIL: 'not-an-email',
      ONEBOX_ADMIN_PASSWORD: 'short',
      ONEBOX_JOB_POLL_MS: '5',
      ONEBOX_UPLOAD_MAX_BYTES: 'lots',
      ONEBOX_SECRET_KEY: SECRET,
    });

    expect(problems).toEqual([
      'PORT must be an integer ≥ 1 (got "eighty")',
      'PUBLIC_URL must be an http(s) URL',
      'DATABASE_URL must start with postgres://',
      'ONEBOX_ADMIN_EMAIL is not an email address',
      'ONEBOX_ADMIN_PASSWORD must be at least 8 characters',
      'ONEBOX_JOB_POLL_MS must be an integer ≥ 10 (got "5")',
      'ONEBOX_UPLOAD_MAX_BYTES must be an integer ≥ 1 (got "lots")',
    ]);
  });

  it('names a REDIS_URL or a Redis prefix it cannot use', () => {
    expect(problemsOf({ REDIS_URL: 'cache:6379', ONEBOX_REDIS_PREFIX: 'a prefix', ONEBOX_SECRET_KEY: SECRET })).toEqual(
      [
        'REDIS_URL must start with redis:// or rediss://',
        'ONEBOX_REDIS_PREFIX must be 1-64 letters, digits, or . _ : -',
      ],
    );
  });

  it('reads ONEBOX_TRUST_PROXY as a hop count or a list, and names anything else', () => {
    expect(loadConfig({ ONEBOX_DATA_DIR: dataDir, ONEBOX_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(problemsOf({ ONEBOX_TRUST_PROXY: 'everyone', ONEBOX_SECRET_KEY: SECRET })).toEqual([
      'ONEBOX_TRUST_PROXY must be a hop count or a list of loopback, linklocal, uniquelocal, addresses or CIDRs (got "everyone")',
    ]);
  });

  it('reads LOG_LEVEL (info by default) and METRICS_TOKEN (none by default)', () => {
    expect(loadConfig({ ONEBOX_DATA_DIR: dataDir })).toMatchObject({ logLevel: 'info', metricsToken: null });
    expect(loadConfig({ ONEBOX_DATA_DIR: dataDir, LOG_LEVEL: 'debug', METRICS_TOKEN: 'scrape-me' })).toMatchObject({
      logLevel: 'debug',
      metricsToken: 'scrape-me',
    });
    expect(problemsOf({ LOG_LEVEL: 'loud', ONEBOX_SECRET_KEY: SECRET })).toEqual([
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
  });

  it('reads the private-address allowlist: hosts, IP addresses and CIDR ranges', () => {
    const config = loadConfig({
      ONEBOX_DATA_DIR: dataDir,
      ONEBOX_ALLOWED_PRIVATE_HOSTS: ' 127.0.0.1, crm.internal ,10.0.0.0/8,,::1',
    });

    expect(config.allowedPrivateHosts).toEqual(['127.0.0.1', 'crm.internal', '10.0.0.0/8', '::1']);
    expect(loadConfig({ ONEBOX_DATA_DIR: dataDir }).allowedPrivateHosts).toEqual([]);
  });

  it('names allowlist entries that are neither a host, an address nor a range', () => {
    expect(
      problemsOf({ ONEBOX_DATA_DIR: dataDir, ONEBOX_ALLOWED_PRIVATE_HOSTS: 'http://crm.internal,10.0.0.0/33,ok.host' }),
    ).toEqual([
      'ONEBOX_ALLOWED_PRIVATE_HOSTS: "http://crm.internal" is not a host, an IP address or a CIDR range',
      'ONEBOX_ALLOWED_PRIVATE_HOSTS: "10.0.0.0/33" is not a valid CIDR range',
    ]);
  });

  it('names a PUBLIC_URL that is not a URL', () => {
    expect(problemsOf({ PUBLIC_URL: 'inbox dot example', ONEBOX_SECRET_KEY: SECRET })).toEqual([
      'PUBLIC_URL is not a valid URL (got "inbox dot example")',
    ]);
  });

  it('refuses an admin password without an admin email', () => {
    expect(problemsOf({ ONEBOX_ADMIN_PASSWORD: 'long enough', ONEBOX_SECRET_KEY: SECRET })).toEqual([
      'ONEBOX_ADMIN_PASSWORD is set without ONEBOX_ADMIN_EMAIL',
    ]);
  });

  it('lists a missing or short ONEBOX_SECRET_KEY together with the other problems', () => {
    expect(problemsOf({ PORT: 'abc', DATABASE_URL: 'postgres://db/onebox' })).toEqual([
      'PORT must be an integer ≥ 1 (got "abc")',
      'ONEBOX_SECRET_KEY is required when DATABASE_URL is set',
    ]);
    expect(problemsOf({ PORT: 'abc', ONEBOX_SECRET_KEY: 'short' })).toEqual([
      'PORT must be an integer ≥ 1 (got "abc")',
      'ONEBOX_SECRET_KEY must be at least 32 characters',
    ]);
  });

  describe('embedded secret', () => {
    it('creates a secret file readable only by the owner, and reuses it on the next start', () => {
      const dir = join(dataDir, 'nested', 'data');

      const first = loadConfig({ ONEBOX_DATA_DIR: dir });
      const file = join(dir, 'secret.key');

      expect(readFileSync(file, 'utf8')).toBe(first.secretKey);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(loadConfig({ ONEBOX_DATA_DIR: dir }).secretKey).toBe(first.secretKey);
    });

    it('reads an existing secret file, trimming its newline', () => {
      writeFileSync(join(dataDir, 'secret.key'), `${SECRET}\n`);

      expect(loadConfig({ ONEBOX_DATA_DIR: dataDir }).secretKey).toBe(SECRET);
    });

    it('prefers ONEBOX_SECRET_KEY and writes no file', () => {
      const config = loadConfig({ ONEBOX_DATA_DIR: dataDir, ONEBOX_SECRET_KEY: SECRET });

      expect(config.secretKey).toBe(SECRET);
      expect(() => statSync(join(dataDir, 'secret.key'))).toThrow();
    });

    it('writes no secret file when the configuration is invalid', () => {
      problemsOf({ ONEBOX_DATA_DIR: dataDir, PORT: 'abc' });

      expect(() => statSync(join(dataDir, 'secret.key'))).toThrow();
    });
  });
});
