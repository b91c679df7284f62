// Ingest suite: signed Telegram webhooks posted open-loop at increasing rates against the built
// server on a fresh PostgreSQL database, beside the same machine's raw single-row INSERT rate.
//
// Per step: achieved rate, answers (2xx / errors), webhook answer latency (measured from the
// *scheduled* send time, so a server that falls behind is charged for the queue it causes),
// webhook→agent-socket latency (send time embedded in the message text, arrival recorded by an
// agent socket on its own thread), stored rows == 2xx answers, CPU by process.
//
// Environment (all optional):
//   BENCH_RATES=100,300,1000,1500,2000   target messages/s per step
//   BENCH_STEP_SECONDS=6                 length of each step's sending window
//   BENCH_REFINE=2                       bisection probes between the last sustained and first failed rate
//   BENCH_ALL_STEPS=1                    keep climbing after an overloaded step
//   BENCH_CHATS=1000                     distinct customer chats (conversations); each writes once in warm-up
//   BENCH_SOCKETS=128                    keep-alive connections to the server
//   BENCH_SUSTAIN_P99_MS=500             answer p99 above this = the backlog grew: not sustained
//   BENCH_RAW_CONNS=8, BENCH_RAW_SECONDS=5   the raw INSERT measurement
//   BENCH_CPU_PROF=1                     run the server under --cpu-prof and summarize its hot spots
//   BENCH_QUICK=1                        short run: 100,300,1000 for 3 s, raw 2 s, 300 chats
//   BENCH_SERVER_ENV='{"KEY":"value"}'   extra server settings (an experiment, e.g. the refresher off)
//   BENCH_SERVER_SCRIPT=<path>/main.js   another build of the server (e.g. an older commit's) under the same load
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../ensure.mjs';
import { summarize } from './cpuprofile.mjs';
import {
  api,
  backgroundLoad,
  Client,
  cpuMeter,
  createBenchDatabase,
  ensureResultsDir,
  onCleanup,
  percentile,
  require,
  settleBackgroundWork,
  sleep,
  startServer,
  stopServer,
  table,
} from './lib.mjs';
import { createWebhookLoad, startAgentSocket } from './webhook-load.mjs';

export const name = 'ingest';

const env = process.env;
const quick = env.BENCH_QUICK === '1';
const num = (key, fallback) => (env[key] ? Number(env[key]) : fallback);
const config = {
  rates: (env.BENCH_RATES || (quick ? '100,300,1000' : '100,300,1000,1500,2000')).split(',').map(Number),
  stepSeconds: num('BENCH_STEP_SECONDS', quick ? 3 : 6),
  refine: num('BENCH_REFINE', quick ? 0 : 2),
  allSteps: env.BENCH_ALL_STEPS === '1',
  chats: num('BENCH_CHATS', quick ? 300 : 1000),
  sockets: num('BENCH_SOCKETS', 128),
  sustainP99Ms: num('BENCH_SUSTAIN_P99_MS', 500),
  rawConns: num('BENCH_RAW_CONNS', 8),
  rawSeconds: num('BENCH_RAW_SECONDS', quick ? 2 : 5),
  cpuProf: env.BENCH_CPU_PROF === '1',
};
const TARGETS = { sustainedMsgPerSec: 1000, answerP99Ms: { rate: 300, ms: 50 }, agentP99Ms: { rate: 100, ms: 250 } };
const ADMIN = { email: 'admin@onebox.bench', password: 'bench-admin-password' };
const CHAT_BASE = 710_000_000;

/** Autocommit single-row INSERTs from `conns` connections for `seconds`: rows/s. */
export async function rawInsertRate(dbUrl, conns, seconds) {
  const setup = new Client({ connectionString: dbUrl });
  await setup.connect();
  await setup.query('CREATE TABLE bench_raw (id bigserial, chat bigint, text text, at timestamptz)');
  await setup.end();
  const clients = await Promise.all(
    Array.from({ length: conns }, async () => {
      const c = new Client({ connectionString: dbUrl });
      await c.connect();
      return c;
    }),
  );
  // A short warm-up, then the measured window.
  const loop = async (client, i, until, counter) => {
    let n = 0;
    while (performance.now() < until) {
      await client.query('INSERT INTO bench_raw (chat, text, at) VALUES ($1, $2, now())', [
        CHAT_BASE + i,
        `bench ${n} t=${Date.now()} raw insert of about the size of a customer message`,
      ]);
      n++;
    }
    counter.n += n;
  };
  await Promise.all(clients.map((c, i) => loop(c, i, performance.now() + 500, { n: 0 })));
  const counter = { n: 0 };
  const cpu = cpuMeter(null, new URL(dbUrl).pathname.slice(1));
  cpu.start();
  const t0 = performance.now();
  await Promise.all(clients.map((c, i) => loop(c, i, t0 + seconds * 1000, counter)));
  const elapsed = (performance.now() - t0) / 1000;
  const cpuUse = cpu.stop();
  await Promise.all(clients.map((c) => c.end()));
  return {
    rowsPerSec: Math.round(counter.n / elapsed),
    rows: counter.n,
    conns,
    seconds: Math.round(elapsed * 10) / 10,
    cpu: cpuUse,
    postgresCpuMsPerRow: Math.round(((cpuUse.postgresPct / 100) * cpuUse.seconds * 1000 * 1000) / counter.n) / 1000,
  };
}

export async function run({ log = console.log } = {}) {
  const outDir = ensureResultsDir();
  const background = await backgroundLoad();
  log(`  background load before the run: machine ${background.machineBusyPct}% busy`);
  for (const p of background.processes) log(`    ⚠ pid ${p.pid} uses ${p.cpuPct}% of a core: ${p.command}`);
  if (background.machineBusyPct > 15)
    log('    ⚠ the machine is not idle: every figure below is lower than on a quiet machine');
  const db = await createBenchDatabase('bench');
  log(`  database ${db.name}`);

  log(`  raw single-row INSERTs: ${config.rawConns} connections × ${config.rawSeconds} s…`);
  const raw = await rawInsertRate(db.url, config.rawConns, config.rawSeconds);
  log(
    `  raw INSERT rate: ${raw.rowsPerSec} rows/s (postgres ${raw.cpu.postgresPct}% of a core, ` +
      `${raw.postgresCpuMsPerRow} ms CPU per row; bench ${raw.cpu.benchPct}%; machine ${raw.cpu.machineBusyPct}% busy)`,
  );

  const { FakeTelegram } = require(join(root, 'libs', 'fakes', 'dist', 'index.js'));
  const telegram = new FakeTelegram();
  await telegram.start();
  onCleanup(() => telegram.stop());

  const dataDir = mkdtempSync(join(tmpdir(), 'onebox-bench-'));
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  const profDir = join(outDir, 'cpu-profile');
  if (config.cpuProf) rmSync(profDir, { recursive: true, force: true });
  const logFile = join(outDir, 'ingest-server.log');
  const server = await startServer({
    logFile,
    nodeArgs: config.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '-r', join(root, 'scripts', 'bench', 'server-preload.cjs')]
      : [],
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      ONEBOX_SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmnop',
      ONEBOX_UPDATE_MODE: 'webhook',
      TELEGRAM_API_ROOT: telegram.url,
      ONEBOX_ADMIN_EMAIL: ADMIN.email,
      ONEBOX_ADMIN_PASSWORD: ADMIN.password,
      ONEBOX_SEED_DEMO: 'false',
      ONEBOX_DATA_DIR: dataDir,
      REDIS_URL: '',
      // BENCH_SERVER_ENV='{"KEY":"value"}' adds server settings (an experiment: e.g. the refresher off).
      ...JSON.parse(env.BENCH_SERVER_ENV || '{}'),
    },
  });
  log(`  server ready in ${server.readyMs} ms on ${server.base} (log: ${logFile})`);

  const login = await api(server.base, '/api/auth/login', { body: ADMIN });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const token = login.body.accessToken;
  const created = await api(server.base, '/api/channels', {
    token,
    body: { type: 'telegram', name: 'Bench bot', credentials: { botToken: telegram.token } },
  });
  if (created.status !== 201) throw new Error(`channel: ${created.status} ${JSON.stringify(created.body)}`);
  const channel = created.body;
  const secret = telegram.callsTo('setWebhook')[0]?.body?.secret_token;
  if (!channel.webhookUrl || !secret) throw new Error('the channel did not set a webhook with a secret token');
  const hook = new URL(channel.webhookUrl);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  onCleanup(() => pg.end());
  const dbStats = async () =>
    (
      await pg.query(
        `SELECT xact_commit::int AS commits, xact_rollback::int AS rollbacks, tup_inserted::int AS inserted,
                tup_updated::int AS updated, tup_fetched::int AS fetched, blk_write_time
           FROM pg_stat_database WHERE datname = current_database()`,
      )
    ).rows[0];
  const storedCount = async () =>
    (await pg.query('SELECT count(*)::int AS n FROM messages WHERE channel_id = $1', [channel.id])).rows[0].n;

  // --- the load generator ------------------------------------------------------------------------
  const capacity =
    config.chats + Math.ceil(config.stepSeconds * (config.rates.reduce((a, b) => a + b, 0) * 2 + 10)) + 1000;
  const load = createWebhookLoad({
    targets: [hook],
    secret,
    chats: config.chats,
    chatBase: CHAT_BASE,
    capacity,
    sockets: config.sockets,
  });
  const agentSocket = await startAgentSocket(server.base, token, { capacity });
  const { blast, errorSamples } = load;

  // --- warm-up: every chat writes once (contacts and conversations exist before the measured steps)
  log(`  warm-up: ${config.chats} chats write once at 250/s…`);
  const warm = await blast(250, config.chats);
  if (!warm.drained || load.okTotal !== config.chats) {
    throw new Error(`warm-up failed: ${load.okTotal}/${config.chats} answered 2xx; ${errorSamples.join('; ')}`);
  }
  await agentSocket.awaitArrivals(warm.first, warm.last, config.chats, 10_000);
  // The work the chats' first messages started (routing, timers, CRM, analytics facts) is done
  // before the measured steps: they measure returning customers writing, not the warm-up's queue.
  const settled = await settleBackgroundWork(pg, 60_000);
  log(`  background work of the warm-up settled in ${settled.ms} ms (${settled.left})`);

  // --- the steps ---------------------------------------------------------------------------------
  const steps = [];
  let lost = false;
  async function step(rate) {
    const count = Math.round(rate * config.stepSeconds);
    const errorsBefore = errorSamples.length;
    const cpu = cpuMeter(server.child.pid, db.name);
    const stats0 = await dbStats();
    cpu.start();
    const b = await blast(rate, count);
    const cpuUse = cpu.stop();
    await sleep(1100); // backends report their counters at most once a second
    const stats1 = await dbStats();
    const perMessage = (key) => Math.round(((stats1[key] - stats0[key]) / count) * 10) / 10;
    const { ok, errors, latencies: answers } = load.answers(b.first, b.last);
    const stored = await storedCount();
    const received = await agentSocket.awaitArrivals(b.first, b.last, ok, 5_000);
    const agent = agentSocket.latencies(b.first, b.last).values;
    const elapsedS = (Math.max(load.lastAnswerAt, b.t0 + b.sendWindowMs) - b.t0) / 1000;
    const row = {
      target: rate,
      achieved: Math.round(ok / elapsedS),
      sent: count,
      ok,
      errors,
      inflightAtEnd: b.inflightAtEnd,
      p50: percentile(answers, 50),
      p90: percentile(answers, 90),
      p99: percentile(answers, 99),
      max: percentile(answers, 100),
      agentP50: percentile(agent, 50),
      agentP99: percentile(agent, 99),
      agentReceived: received,
      stored,
      expectedStored: load.okTotal,
      storedOk: stored === load.okTotal,
      cpu: cpuUse,
      cpuMsPerMsg: {
        server: ok ? Math.round(((cpuUse.serverPct / 100) * cpuUse.seconds * 1e6) / ok) / 1000 : null,
        postgres: ok ? Math.round(((cpuUse.postgresPct / 100) * cpuUse.seconds * 1e6) / ok) / 1000 : null,
      },
      db: {
        commitsPerMsg: perMessage('commits'),
        rollbacksPerMsg: perMessage('rollbacks'),
        insertsPerMsg: perMessage('inserted'),
        updatesPerMsg: perMessage('updated'),
        fetchedPerMsg: perMessage('fetched'),
      },
      errorSamples: errorSamples.slice(errorsBefore),
    };
    row.sustained =
      b.drained &&
      errors === 0 &&
      row.achieved >= 0.95 * rate &&
      row.p99 <= config.sustainP99Ms &&
      b.inflightAtEnd <= Math.max(16, rate * 0.25);
    if (stored < load.okTotal) lost = true;
    steps.push(row);
    log(
      `  ${String(rate).padStart(5)}/s → ${row.achieved}/s, ${ok}/${count} 2xx, p99 ${row.p99?.toFixed(1)} ms, ` +
        `agent p99 ${row.agentP99?.toFixed(1) ?? '–'} ms, cpu srv ${cpuUse.serverPct}% pg ${cpuUse.postgresPct}% ` +
        `bench ${cpuUse.benchPct}% → ${row.sustained ? 'sustained' : 'NOT sustained'}`,
    );
    return row;
  }

  let lastGood = 0;
  let firstBad = null;
  for (const rate of config.rates) {
    const row = await step(rate);
    if (row.sustained) lastGood = Math.max(lastGood, rate);
    else {
      firstBad ??= rate;
      if (!config.allSteps && row.achieved < 0.8 * rate) break;
    }
  }
  for (let i = 0; i < config.refine && firstBad !== null && firstBad - lastGood > 100; i++) {
    const rate = Math.round((lastGood + firstBad) / 2 / 50) * 50;
    const row = await step(rate);
    if (row.sustained) lastGood = rate;
    else firstBad = rate;
  }

  // --- zero loss: every 2xx-answered message is stored -------------------------------------------
  const { rows } = await pg.query('SELECT external_id FROM messages WHERE channel_id = $1', [channel.id]);
  const storedIds = new Set(rows.map((r) => r.external_id));
  let answered = 0;
  let missing = 0;
  for (let s = 1; s < load.nextSeq; s++) {
    if (load.status[s] < 200 || load.status[s] >= 300) continue;
    answered++;
    if (!storedIds.has(load.externalId(s))) missing++;
  }
  if (missing) lost = true;
  await agentSocket.flush();
  const tableStats = (
    await pg.query(
      `SELECT relname AS table, seq_scan::int, seq_tup_read::bigint::text AS seq_tup_read, idx_scan::int,
              n_tup_ins::int AS inserted, n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot_updated
         FROM pg_stat_user_tables ORDER BY seq_tup_read::bigint DESC`,
    )
  ).rows;

  await agentSocket.close();
  await stopServer(server);
  let profile = null;
  if (config.cpuProf) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      profile = {
        file: join(profDir, file),
        ...summarize(JSON.parse(readFileSync(join(profDir, file), 'utf8')), { top: 25 }),
      };
    }
  }

  // --- report --------------------------------------------------------------------------------------
  const ms = (v) => (v === null ? null : Math.round(v * 10) / 10);
  log('');
  log(
    table(
      [
        ['target/s', 'target'],
        ['achieved/s', 'achieved'],
        ['2xx', 'ok'],
        ['errors', 'errors'],
        ['queued@end', 'inflightAtEnd'],
        ['answer p50', (r) => ms(r.p50)],
        ['p90', (r) => ms(r.p90)],
        ['p99', (r) => ms(r.p99)],
        ['max', (r) => ms(r.max)],
        ['→agent p50', (r) => ms(r.agentP50)],
        ['→agent p99', (r) => ms(r.agentP99)],
        ['agent got', 'agentReceived'],
        ['stored==2xx', (r) => (r.storedOk ? 'yes' : `NO ${r.stored}/${r.expectedStored}`)],
        ['cpu srv/pg/bench %', (r) => `${r.cpu.serverPct}/${r.cpu.postgresPct}/${r.cpu.benchPct}`],
        ['machine %', (r) => r.cpu.machineBusyPct],
        ['cpu ms/msg srv/pg', (r) => `${r.cpuMsPerMsg.server}/${r.cpuMsPerMsg.postgres}`],
        ['commits/msg', (r) => r.db.commitsPerMsg],
        ['', (r) => (r.sustained ? 'sustained' : 'not sustained'), 'l'],
      ],
      steps,
    ),
  );
  log('  (latencies in ms; answer latency from the scheduled send time; cpu in % of one core, 2 cores = 200 %;');
  log(`   raw INSERT for comparison: postgres ${raw.postgresCpuMsPerRow} ms CPU per row)`);
  log('\n  PostgreSQL table activity over the run (seq scans on big tables are a red flag):');
  log(
    table(
      [
        ['table', 'table', 'l'],
        ['seq scans', 'seq_scan'],
        ['rows read by seq scans', 'seq_tup_read'],
        ['index scans', 'idx_scan'],
        ['inserted', 'inserted'],
        ['updated', 'updated'],
        ['HOT', 'hot_updated'],
      ],
      tableStats.filter((t) => t.seq_scan || t.idx_scan || t.inserted),
    ),
  );
  if (profile) {
    log(
      `\n  server CPU profile: ${profile.busyMs} ms busy of ${profile.totalMs} ms sampled, % of busy time (${profile.file}):`,
    );
    for (const r of profile.byPlace.slice(0, 12)) log(`    ${String(r.pct).padStart(5)}%  ${r.key}`);
    log('  top functions (self time):');
    for (const r of profile.byFunction.slice(0, 20)) log(`    ${String(r.pct).padStart(5)}%  ${r.key}`);
  }

  const best = steps.filter((s) => s.sustained).sort((a, b) => b.target - a.target)[0];
  const sustained = best ? best.achieved : 0;
  const at = (rate) => steps.find((s) => s.target === rate);
  const answerStep = at(TARGETS.answerP99Ms.rate);
  const agentStep = at(TARGETS.agentP99Ms.rate);
  const verdict = (ok, known = true) => (!known ? 'n/a' : ok ? 'PASS' : 'MISS');
  const summary = [
    {
      metric: 'sustained ingest (zero loss)',
      value: `${sustained} msg/s`,
      target: `≥ ${TARGETS.sustainedMsgPerSec} msg/s`,
      verdict: verdict(sustained >= TARGETS.sustainedMsgPerSec),
    },
    { metric: 'raw single-row INSERT rate', value: `${raw.rowsPerSec} rows/s`, target: '', verdict: '' },
    {
      metric: 'ingest ÷ raw INSERT',
      value: raw.rowsPerSec ? `${((sustained / raw.rowsPerSec) * 100).toFixed(1)} %` : '–',
      target: '',
      verdict: '',
    },
    {
      metric: `webhook answer p99 @ ${TARGETS.answerP99Ms.rate}/s`,
      value: answerStep ? `${ms(answerStep.p99)} ms` : '–',
      target: `≤ ${TARGETS.answerP99Ms.ms} ms`,
      verdict: verdict(answerStep && answerStep.errors === 0 && answerStep.p99 <= TARGETS.answerP99Ms.ms, !!answerStep),
    },
    {
      metric: `webhook→agent p99 @ ${TARGETS.agentP99Ms.rate}/s`,
      value: agentStep ? `${ms(agentStep.agentP99)} ms` : '–',
      target: `≤ ${TARGETS.agentP99Ms.ms} ms`,
      verdict: verdict(
        agentStep && agentStep.agentReceived === agentStep.ok && agentStep.agentP99 <= TARGETS.agentP99Ms.ms,
        !!agentStep,
      ),
    },
    {
      metric: 'machine busy before the run',
      value: `${background.machineBusyPct} %`,
      target: '',
      verdict: background.machineBusyPct > 15 ? 'noisy' : '',
    },
    {
      metric: 'lost messages (2xx but not stored)',
      value: String(missing),
      target: '0',
      verdict: missing || lost ? 'FAIL' : 'PASS',
    },
  ];

  const result = {
    suite: name,
    at: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version, background },
    config,
    rawInsert: raw,
    warmup: { chats: config.chats, rate: 250 },
    steps,
    sustainedMsgPerSec: sustained,
    ratio: raw.rowsPerSec ? sustained / raw.rowsPerSec : null,
    zeroLoss: { answered2xx: answered, stored: storedIds.size, missing },
    agentSocket: { counts: agentSocket.counts, disconnected: agentSocket.disconnected },
    tableStats,
    profile,
    summary,
  };
  writeFileSync(join(outDir, 'ingest.json'), JSON.stringify(result, null, 2));
  log(`\n  results: ${join(outDir, 'ingest.json')}`);
  return { name, summary, failed: lost || missing > 0, result };
}
