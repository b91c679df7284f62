// Shared plumbing for the bench suites: a fresh PostgreSQL database per run, the built server as a
// child process (log to a file), cleanup on failure and Ctrl+C, percentiles, CPU accounting and
// plain-text tables.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { root } from '../ensure.mjs';

export const require = createRequire(import.meta.url);
export const { Client } = require('pg');

export const resultsDir = join(root, 'test-results', 'bench');
export const adminPgUrl = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

// --- cleanup ---------------------------------------------------------------------------------------

const cleanups = [];
let cleaning = null;

/** Registers an undo step; they run last-in first-out at the end, on failure and on Ctrl+C. */
export function onCleanup(fn) {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

export function runCleanups() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup failed: ${err.message}`);
      }
    }
    cleaning = null;
  })();
  return cleaning;
}

/** Set once Ctrl+C (or SIGTERM) arrived: suites' errors after that are the cleanup's doing. */
export const interruption = { signal: null };

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interruption.signal = signal;
    console.error(`\n${signal}: cleaning up…`);
    runCleanups().finally(() => process.exit(130));
  });
}

// --- PostgreSQL ------------------------------------------------------------------------------------

export async function withClient(url, fn) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `onebox_bench_<ts>` on the admin URL's server; dropped (WITH FORCE) at cleanup. */
export async function createBenchDatabase(label = 'bench') {
  const name = `onebox_${label}_${Date.now()}`;
  await withClient(adminPgUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  // BENCH_KEEP_DB=1 keeps it for a look at query plans afterwards (drop it by hand).
  if (process.env.BENCH_KEEP_DB === '1') console.log(`  (keeping database ${name})`);
  else onCleanup(() => withClient(adminPgUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  const url = new URL(adminPgUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** A database an earlier run kept (BENCH_KEEP_DB=1), by name; never dropped here. */
export function existingDatabase(name) {
  if (!/^onebox_[a-z0-9_]+$/.test(name)) throw new Error(`${name} is not a bench database name`);
  const url = new URL(adminPgUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

// --- the server ------------------------------------------------------------------------------------

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts server/dist/main.js (or `script`) with `env` (PORT and PUBLIC_URL filled in), output to
 * `logFile`; resolves once /health answers. `nodeArgs` go before the script (e.g. --cpu-prof);
 * `port` keeps the address of an earlier run (a restart), else a free one is taken.
 */
export async function startServer({
  env,
  logFile,
  nodeArgs = [],
  script = process.env.BENCH_SERVER_SCRIPT || join(root, 'server', 'dist', 'main.js'),
  port: fixedPort,
}) {
  const port = fixedPort ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const log = createWriteStream(logFile, { flags: fixedPort ? 'a' : 'w' });
  const started = Date.now();
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: root,
    // The benches' fakes listen on 127.0.0.1 (media and CRM addresses are otherwise refused as local).
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: base,
      ONEBOX_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const server = { base, child, port, logFile };
  onCleanup(() => stopServer(server));
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early (code ${child.exitCode}); see ${logFile}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return { ...server, readyMs: Date.now() - started };
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`server did not become healthy in 60 s; see ${logFile}`);
}

export async function stopServer(server) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}

export async function api(base, path, { token, body, method } = {}) {
  const response = await fetch(base + path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

// --- measurement -----------------------------------------------------------------------------------

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Percentile (nearest rank) of an unsorted numeric array; null when empty. */
export function percentile(values, p) {
  if (!values.length) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

function procTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

/** The cluster's own processes: they work for every database (WAL, checkpoints, vacuum scheduling). */
const POSTGRES_SHARED = /: (checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher)/;

/**
 * CPU ticks of each `postgres` process (pid → ticks): with `database`, only that database's backends and
 * autovacuum workers and the cluster's shared processes (another database's work on the same
 * machine is not charged to the bench); without, all of them.
 */
function postgresTicks(database) {
  const ticks = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      if (database) {
        const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (!title.includes(` ${database} `) && !POSTGRES_SHARED.test(title)) continue;
      }
      ticks.set(entry, procTicks(entry));
    } catch {
      /* gone */
    }
  }
  return ticks;
}

/** Ticks spent between two `postgresTicks` readings by the processes alive at the second (new ones wholly). */
function postgresTicksSince(before, after) {
  let total = 0;
  for (const [pid, ticks] of after) total += Math.max(0, ticks - (before.get(pid) ?? 0));
  return total;
}

function machineTicks() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] || 0);
  return { total: cpu.reduce((a, b) => a + b, 0), idle };
}

/**
 * CPU used between `start()` and `stop()`, in percent of one core: the server process, the
 * `postgres` processes (of `database` and the cluster's shared ones when named, else all), this
 * bench process, and the whole machine busy share (percent of all cores).
 */
export function cpuMeter(serverPid, database) {
  let t0;
  return {
    start() {
      t0 = {
        at: performance.now(),
        server: procTicks(serverPid),
        pg: postgresTicks(database),
        self: process.cpuUsage(),
        machine: machineTicks(),
      };
    },
    stop() {
      const seconds = (performance.now() - t0.at) / 1000;
      const pct = (ticks) => Math.round((ticks / CLOCK_TICKS / seconds) * 100);
      const self = process.cpuUsage(t0.self);
      const machine = machineTicks();
      const total = machine.total - t0.machine.total;
      return {
        seconds: Math.round(seconds * 100) / 100,
        serverPct: serverPid ? pct(procTicks(serverPid) - t0.server) : null,
        postgresPct: pct(postgresTicksSince(t0.pg, postgresTicks(database))),
        benchPct: Math.round(((self.user + self.system) / 1e6 / seconds) * 100),
        machineBusyPct: total ? Math.round((1 - (machine.idle - t0.machine.idle) / total) * 100) : null,
      };
    },
  };
}

/**
 * Waits until no job is due and no conversation awaits its analytics refresh — or, with the
 * refresher off (an experiment), until the refresh queue stops moving — or `timeoutMs` passes.
 */
export async function settleBackgroundWork(pg, timeoutMs) {
  const started = performance.now();
  let last = { dirty: -1, since: started };
  for (;;) {
    const { rows } = await pg.query(
      `SELECT (SELECT count(*)::int FROM jobs WHERE status = 'pending' AND run_at <= now()) AS jobs,
              (SELECT count(*)::int FROM analytics_dirty) AS dirty`,
    );
    const { jobs, dirty } = rows[0];
    const now = performance.now();
    if (dirty !== last.dirty) last = { dirty, since: now };
    const ms = Math.round(now - started);
    if ((jobs === 0 && (dirty === 0 || now - last.since > 7000)) || ms > timeoutMs)
      return { ms, left: jobs || dirty ? `${jobs} jobs due, ${dirty} conversations to refresh left` : 'nothing left' };
    await sleep(250);
  }
}

// --- output ----------------------------------------------------------------------------------------

export function fmt(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (typeof value !== 'number') return String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** A plain-text table: `columns` are [header, key, align?('l'|'r')]. */
export function table(columns, rows) {
  const cells = rows.map((row) => columns.map(([, key]) => fmt(typeof key === 'function' ? key(row) : row[key])));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values) =>
    values.map((v, i) => (columns[i][2] === 'l' ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(columns.map(([h]) => h)), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function ensureResultsDir() {
  mkdirSync(resultsDir, { recursive: true });
  return resultsDir;
}

function allProcessTicks() {
  const ticks = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const t = procTicks(entry);
    if (t) ticks.set(entry, t);
  }
  return ticks;
}

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 100);
  } catch {
    return '?';
  }
}

/**
 * What else is using the CPU before the bench starts: machine busy share over `ms` and the
 * processes above 5 % of a core. A busy machine makes every figure lower; the bench says so.
 */
export async function backgroundLoad(ms = 1500) {
  const m0 = machineTicks();
  const p0 = allProcessTicks();
  const t0 = performance.now();
  await sleep(ms);
  const seconds = (performance.now() - t0) / 1000;
  const m1 = machineTicks();
  const busy = [];
  for (const [pid, ticks] of allProcessTicks()) {
    const pct = Math.round(((ticks - (p0.get(pid) ?? ticks)) / CLOCK_TICKS / seconds) * 100);
    if (pct >= 5 && Number(pid) !== process.pid) busy.push({ pid: Number(pid), cpuPct: pct, command: commandOf(pid) });
  }
  const total = m1.total - m0.total;
  return {
    machineBusyPct: total ? Math.round((1 - (m1.idle - m0.idle) / total) * 100) : null,
    processes: busy.sort((a, b) => b.cpuPct - a.cpuPct),
  };
}
