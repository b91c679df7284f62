// Analytics suite: a workspace with BENCH_CONVERSATIONS conversations (default 1,000,000) and
// ten messages each (10,000,000), written in PostgreSQL with set-based INSERT … SELECT (no
// round trip per row), over the last 12 months. Then:
//   1. the analytics facts are derived from the events by the server's refresher (rate reported);
//   2. through the HTTP API: the summary grouped by channel × manager for 30 days and 12 months as
//      the dashboard asks for them (whole days in the workspace time zone, today included), and
//      for 30 days not aligned to days (now − 30 d → now: the largest partial days a period can
//      have); the drill-down's first page and the conversation list's first page (p50 / p95);
//   3. beside them, on the same data, a baseline that aggregates the raw event rows per request
//      (the way Chatwoot's reports do), and the ratio.
//
// Environment (all optional):
//   BENCH_CONVERSATIONS=1000000   conversations (one cycle each)
//   BENCH_MESSAGES_PER_CONVERSATION=10
//   BENCH_RUNS=20                 timed runs per query (after 2 warm-ups); the baseline runs 5 times
//   BENCH_QUICK=1                 50,000 conversations, 10 runs
//   BENCH_ANALYTICS_DB=<name>     reuse a database an earlier run kept (BENCH_KEEP_DB=1): no seeding,
//                                 the refresher finishes whatever is still dirty, then the queries
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from '../ensure.mjs';
import {
  api,
  Client,
  createBenchDatabase,
  ensureResultsDir,
  existingDatabase,
  percentile,
  sleep,
  startServer,
  stopServer,
  table,
} from './lib.mjs';
import { writeFileSync } from 'node:fs';

export const name = 'analytics';

const env = process.env;
const quick = env.BENCH_QUICK === '1';
const num = (key, fallback) => (env[key] ? Number(env[key]) : fallback);
const config = {
  conversations: num('BENCH_CONVERSATIONS', quick ? 50_000 : 1_000_000),
  perConversation: num('BENCH_MESSAGES_PER_CONVERSATION', 10),
  runs: num('BENCH_RUNS', quick ? 10 : 20),
  baselineRuns: num('BENCH_BASELINE_RUNS', quick ? 3 : 5),
};
const TARGETS = { summary30P95: 100, summary12mP95: 1000, speedup: 10, listP95: 50 };
const ADMIN = { email: 'bench@onebox.bench', password: 'bench-password-1' };
const CHUNK = 100_000;

/** Seeds the workspace in chunks of conversations; returns row counts and timings. */
async function seed(client, log) {
  const [{ id: workspaceId }] = (await client.query('SELECT id FROM workspaces LIMIT 1')).rows;
  const { rows: admins } = await client.query('SELECT password_hash FROM users WHERE workspace_id = $1', [workspaceId]);
  await client.query('SET synchronous_commit = off');
  const channels = [];
  for (const type of ['telegram', 'whatsapp', 'max', 'webchat']) {
    const { rows } = await client.query(
      `INSERT INTO channels (workspace_id, type, name, webhook_secret) VALUES ($1, $2, $3, 'bench') RETURNING id`,
      [workspaceId, type, `Bench ${type}`],
    );
    channels.push(rows[0].id);
  }
  const managers = [];
  for (let i = 1; i <= 20; i++) {
    const { rows } = await client.query(
      `INSERT INTO users (workspace_id, email, name, role, password_hash) VALUES ($1, $2, $3, 'manager', $4) RETURNING id`,
      [workspaceId, `manager${i}@onebox.bench`, `Manager ${i}`, admins[0].password_hash],
    );
    managers.push(rows[0].id);
  }
  // Sealed with the server's own key: it checks at start-up that its key opens every stored secret.
  const crmSettings = crmBox().seal(JSON.stringify({ baseUrl: 'https://bench.amocrm.ru', accessToken: 'bench' }));
  const { rows: crm } = await client.query(
    `INSERT INTO crm_connections (workspace_id, type, name, settings_enc, webhook_secret) VALUES ($1, 'amocrm', 'Bench CRM', $2, 'bench') RETURNING id`,
    [workspaceId, crmSettings],
  );
  // One row of parameters per conversation; everything else is derived from it set-wise.
  await client.query(
    `CREATE UNLOGGED TABLE bench_conv AS
     SELECT n, gen_random_uuid() AS id, gen_random_uuid() AS contact_id,
            ($2::uuid[])[1 + n % 4] AS channel_id,
            CASE WHEN random() < 0.08 THEN NULL ELSE ($3::uuid[])[1 + floor(random() * 20)::int] END AS manager_id,
            date_trunc('second', now() - random() * interval '365 days') AS started_at,
            (5 + floor(random() * random() * 1200))::int AS first_reply_sec,
            (10 + floor(random() * 300))::int AS gap_sec,
            random() < 0.9 AS resolved, random() < 0.12 AS won, random() < 0.2 AS has_deal,
            random() < 0.2 AS tagged, round((random() * 200000)::numeric, 2) AS amount
       FROM generate_series(1, $1) AS n`,
    [config.conversations, channels, managers],
  );
  await client.query('CREATE INDEX ON bench_conv (n)');
  const per = config.perConversation;
  // Message k (1-based): the customer opens at started_at; replies alternate after first_reply_sec.
  const at = (k) =>
    `b.started_at + make_interval(secs => CASE WHEN ${k} = 1 THEN 0 ELSE b.first_reply_sec + (${k} - 2) * b.gap_sec END)`;
  const lastAt = at(per);
  const isOut = (k) => `(${k} % 2 = 0 AND b.manager_id IS NOT NULL)`;
  const steps = [
    [
      'contacts',
      `INSERT INTO contacts (id, workspace_id, name, created_at, updated_at)
       SELECT b.contact_id, $1, 'Customer ' || b.n, b.started_at, b.started_at FROM bench_conv b WHERE b.n > $2 AND b.n <= $3`,
    ],
    [
      'conversations',
      `INSERT INTO conversations (id, workspace_id, channel_id, contact_id, status, assignee_id, cycle, cycle_started_at,
         first_customer_message_at, first_human_reply_at, last_customer_message_at, last_message_at, last_message_text,
         last_message_direction, resolved_at, created_at, updated_at)
       SELECT b.id, $1, b.channel_id, b.contact_id, CASE WHEN b.resolved THEN 'resolved' ELSE 'open' END, b.manager_id, 1,
         b.started_at, b.started_at,
         CASE WHEN b.manager_id IS NULL THEN NULL ELSE ${at(2)} END, ${at(per - 1)}, ${lastAt}, 'Message ${per}',
         CASE WHEN b.manager_id IS NULL THEN 'in' ELSE 'out' END,
         CASE WHEN b.resolved THEN ${lastAt} + interval '10 minutes' END, b.started_at, ${lastAt}
       FROM bench_conv b WHERE b.n > $2 AND b.n <= $3`,
    ],
    [
      'messages',
      `INSERT INTO messages (workspace_id, conversation_id, channel_id, cycle, direction, author_type, author_id, author_name,
         text, status, created_at, updated_at)
       SELECT $1, b.id, b.channel_id, 1, CASE WHEN ${isOut('k')} THEN 'out' ELSE 'in' END,
         CASE WHEN ${isOut('k')} THEN 'agent' ELSE 'contact' END,
         CASE WHEN ${isOut('k')} THEN b.manager_id ELSE b.contact_id END,
         CASE WHEN ${isOut('k')} THEN 'Manager' ELSE 'Customer ' || b.n END,
         'Message ' || k, CASE WHEN ${isOut('k')} THEN 'read' ELSE 'received' END, ${at('k')}, ${at('k')}
       FROM bench_conv b CROSS JOIN generate_series(1, ${per}) AS k WHERE b.n > $2 AND b.n <= $3`,
    ],
    [
      'conversation_events',
      `INSERT INTO conversation_events (workspace_id, conversation_id, channel_id, cycle, type, actor_type, actor_id, at, payload)
       SELECT $1, b.id, b.channel_id, 1, e.type, e.actor_type, e.actor_id, e.at, e.payload
       FROM bench_conv b CROSS JOIN LATERAL (
         SELECT 0 AS k, 'cycle_started' AS type, 'contact' AS actor_type, b.contact_id AS actor_id, b.started_at AS at, '{}'::jsonb AS payload
         UNION ALL
         SELECT k, CASE WHEN ${isOut('k')} THEN 'human_reply' ELSE 'message_in' END,
                CASE WHEN ${isOut('k')} THEN 'agent' ELSE 'contact' END,
                CASE WHEN ${isOut('k')} THEN b.manager_id ELSE b.contact_id END, ${at('k')},
                CASE WHEN ${isOut('k')} AND k % 6 = 2 THEN jsonb_build_object('cannedResponseId', b.id) ELSE '{}'::jsonb END
           FROM generate_series(1, ${per}) AS k
         UNION ALL
         SELECT 1, 'assigned', 'agent', b.manager_id, ${at(2)}, jsonb_build_object('from', NULL, 'to', b.manager_id)
          WHERE b.manager_id IS NOT NULL
         UNION ALL
         SELECT 2, 'tag_added', 'agent', b.manager_id, ${at(2)}, jsonb_build_object('tag', 'VIP') WHERE b.tagged
         UNION ALL
         SELECT ${per + 1}, 'resolved', 'agent', b.manager_id, ${lastAt} + interval '10 minutes', '{}'::jsonb WHERE b.resolved
       ) AS e
       WHERE b.n > $2 AND b.n <= $3
       ORDER BY b.n, e.at, e.k`,
    ],
    [
      'deals',
      `INSERT INTO deals (workspace_id, crm_connection_id, conversation_id, cycle, origin, title, semantic, amount, currency,
         closed_at, created_at, updated_at)
       SELECT $1, '${crm[0].id}', b.id, 1, 'auto', 'Deal ' || b.n, CASE WHEN b.won THEN 'won' ELSE 'open' END, b.amount, 'RUB',
         CASE WHEN b.won THEN b.started_at + make_interval(secs => b.gap_sec * 5000) END, b.started_at, b.started_at
       FROM bench_conv b WHERE (b.has_deal OR b.won) AND b.n > $2 AND b.n <= $3`,
    ],
  ];
  const counts = {};
  const timings = {};
  for (const [table] of steps) [counts[table], timings[table]] = [0, 0];
  for (let from = 0; from < config.conversations; from += CHUNK) {
    const to = Math.min(config.conversations, from + CHUNK);
    for (const [table, sql] of steps) {
      const started = Date.now();
      const result = await client.query(sql, [workspaceId, from, to]);
      timings[table] += Date.now() - started;
      counts[table] += result.rowCount;
    }
    log(`  seeded ${to.toLocaleString('en')} / ${config.conversations.toLocaleString('en')} conversations`);
  }
  await client.query('DROP TABLE bench_conv');
  return { workspaceId, channels, managers, counts, timings };
}

/** The instant a local day in `timeZone` starts, for the day `date` falls on there. */
function startOfLocalDay(date, timeZone) {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    date,
  );
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  // The zone's offset at that moment (read back from its wall clock), applied once more after a change.
  const offsetAt = (ms) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
        .formatToParts(new Date(ms))
        .filter((x) => x.type !== 'literal')
        .map((x) => [x.type, Number(x.value)]),
    );
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
  };
  const first = midnightUtc - offsetAt(midnightUtc);
  return new Date(midnightUtc - offsetAt(first));
}

/** p50/p95 of `runs` timed calls after two warm-ups. */
async function time(fn, runs) {
  await fn();
  await fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), runs };
}

/** The raw-event aggregation a report without rollups runs per request, grouped by channel × manager. */
const BASELINE = `
  WITH cyc AS (
    SELECT e.conversation_id, e.cycle,
           min(e.at) FILTER (WHERE e.type = 'cycle_started') AS started_at,
           min(e.at) FILTER (WHERE e.type = 'message_in') AS first_in,
           min(e.at) FILTER (WHERE e.type = 'human_reply') AS first_reply,
           (array_agg(e.actor_id ORDER BY e.at) FILTER (WHERE e.type = 'human_reply'))[1] AS manager_id,
           count(*) FILTER (WHERE e.type = 'message_in') AS messages_in,
           max(e.at) FILTER (WHERE e.type = 'resolved') AS resolved_at
      FROM conversation_events e
     WHERE e.workspace_id = $1 AND e.conversation_id IN (
             SELECT conversation_id FROM conversation_events
              WHERE workspace_id = $1 AND type = 'cycle_started' AND at >= $2 AND at < $3)
     GROUP BY 1, 2)
  SELECT c.channel_id, cyc.manager_id, count(*) AS chats,
         avg(extract(epoch FROM cyc.first_reply - cyc.first_in)) AS first_response_avg,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM cyc.first_reply - cyc.first_in)) AS first_response_median,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM cyc.first_reply - cyc.first_in)) AS first_response_p90,
         count(*) FILTER (WHERE cyc.first_reply IS NULL OR cyc.first_reply - cyc.first_in > interval '300 seconds') AS missed,
         avg(extract(epoch FROM cyc.resolved_at - cyc.first_reply)) AS handle_avg
    FROM cyc JOIN conversations c ON c.id = cyc.conversation_id
   WHERE cyc.started_at >= $2 AND cyc.started_at < $3
   GROUP BY 1, 2`;

const SECRET_KEY = 'bench-secret-key-0123456789abcdef0123456789';

/** The server's sealing of CRM settings (server/dist), with the bench's key. */
function crmBox() {
  const { SecretBox, SEAL_PURPOSES } = createRequire(import.meta.url)(
    join(root, 'server', 'dist', 'common', 'secret-box.js'),
  );
  return new SecretBox(SECRET_KEY, SEAL_PURPOSES.crm);
}

/** What an earlier run seeded into a kept database. */
async function seededIn(client) {
  const [{ id: workspaceId }] = (
    await client.query(`SELECT workspace_id AS id FROM channels WHERE name = 'Bench telegram' LIMIT 1`)
  ).rows;
  const count = async (table) =>
    Number((await client.query(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = $1`, [workspaceId])).rows[0].n);
  return {
    workspaceId,
    counts: {
      conversations: await count('conversations'),
      messages: await count('messages'),
      conversation_events: await count('conversation_events'),
    },
  };
}

export async function run({ log }) {
  ensureResultsDir();
  const reuse = env.BENCH_ANALYTICS_DB;
  const db = reuse ? existingDatabase(reuse) : await createBenchDatabase('analytics');
  const serverEnv = {
    DATABASE_URL: db.url,
    ONEBOX_SECRET_KEY: SECRET_KEY,
    ONEBOX_ADMIN_EMAIL: ADMIN.email,
    ONEBOX_ADMIN_PASSWORD: ADMIN.password,
    ONEBOX_SEED_DEMO: 'false',
  };
  const logFile = (label) => join(root, 'test-results', 'bench', `analytics-server-${label}.log`);
  // Migrations, then seeding with the refresher off.
  let server = await startServer({ env: { ...serverEnv, ONEBOX_ANALYTICS_REFRESH_MS: '0' }, logFile: logFile('seed') });
  const client = new Client({ connectionString: db.url });
  await client.connect();
  const seedStarted = Date.now();
  let seeded;
  if (reuse) {
    seeded = await seededIn(client);
    config.conversations = seeded.counts.conversations;
    log(`  reusing ${reuse}: ${config.conversations.toLocaleString('en')} conversations, no seeding`);
  } else {
    log(`  seeding ${config.conversations.toLocaleString('en')} conversations × ${config.perConversation} messages …`);
    seeded = await seed(client, log);
  }
  const seedMs = reuse ? null : Date.now() - seedStarted;
  await stopServer(server);

  // The facts: the refresher derives them from the events at its own pace.
  server = await startServer({ env: { ...serverEnv, ONEBOX_ANALYTICS_REFRESH_MS: '50' }, logFile: logFile('run') });
  const refreshStarted = Date.now();
  const backlog = Number((await client.query('SELECT count(*) AS n FROM analytics_dirty')).rows[0].n);
  for (;;) {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM analytics_dirty');
    if (rows[0].n === 0) break;
    log(`  facts: ${rows[0].n.toLocaleString('en')} conversations still to derive`);
    await sleep(5000);
  }
  const refreshMs = Date.now() - refreshStarted;
  const refreshRate = Math.round(backlog / (refreshMs / 1000));
  log('  VACUUM ANALYZE …');
  await client.query('VACUUM ANALYZE');

  const { body: session } = await api(server.base, '/api/auth/login', { body: ADMIN });
  const token = session.accessToken;
  const now = new Date();
  // What the dashboard asks for its presets: whole days in the workspace time zone, today included.
  const [{ time_zone: timeZone }] = (
    await client.query('SELECT time_zone FROM workspaces WHERE id = $1', [seeded.workspaceId])
  ).rows;
  const tomorrow = startOfLocalDay(new Date(now.getTime() + 86_400_000), timeZone);
  const ranges = {
    '30 days': { from: startOfLocalDay(new Date(now.getTime() - 29 * 86_400_000), timeZone), to: tomorrow },
    '12 months': { from: startOfLocalDay(new Date(now.getTime() - 364 * 86_400_000), timeZone), to: tomorrow },
  };
  // And one not aligned to days (now − 30 days → now): the largest edges a period can have.
  const rolling = { from: new Date(now.getTime() - 30 * 86_400_000), to: now };
  const get = async (path) => {
    const res = await api(server.base, path, { token });
    if (res.status !== 200) throw new Error(`${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const results = {};
  const checks = {};
  for (const [label, { from, to }] of Object.entries(ranges)) {
    const query = `from=${from.toISOString()}&to=${to.toISOString()}`;
    const summaryPath = `/api/analytics/summary?${query}&groupBy=channel&thenBy=manager`;
    results[`summary ${label}`] = await time(
      () => get(summaryPath),
      label === '30 days' ? config.runs : Math.ceil(config.runs / 2),
    );
    const summary = await get(summaryPath);
    const baselineArgs = [seeded.workspaceId, from, to];
    results[`baseline ${label}`] = await time(() => client.query(BASELINE, baselineArgs), config.baselineRuns);
    const baseline = (await client.query(BASELINE, baselineArgs)).rows;
    checks[label] = {
      groups: summary.rows.length,
      chatsApi: summary.rows.reduce((n, r) => n + r.metrics.chats, 0),
      chatsBaseline: baseline.reduce((n, r) => n + Number(r.chats), 0),
    };
  }
  results['summary 30 days, not day-aligned'] = await time(
    () =>
      get(
        `/api/analytics/summary?from=${rolling.from.toISOString()}&to=${rolling.to.toISOString()}&groupBy=channel&thenBy=manager`,
      ),
    config.runs,
  );
  const drillPath = `/api/analytics/cycles?metric=missedChats&from=${ranges['30 days'].from.toISOString()}&to=${ranges['30 days'].to.toISOString()}&limit=50`;
  results['drill-down first page'] = await time(() => get(drillPath), config.runs);
  results['conversation list first page'] = await time(
    () => get('/api/conversations?status=all&limit=50'),
    config.runs,
  );
  await client.end();
  await stopServer(server);

  const ms = (v) => `${v.toFixed(1)} ms`;
  log('');
  log(
    table(
      [
        ['query', 'query', 'l'],
        ['p50', 'p50'],
        ['p95', 'p95'],
        ['runs', 'runs'],
      ],
      Object.entries(results).map(([query, r]) => ({ query, p50: ms(r.p50), p95: ms(r.p95), runs: r.runs })),
    ),
  );
  for (const [label, c] of Object.entries(checks))
    log(`  ${label}: ${c.groups} channel × manager groups; chats API ${c.chatsApi} = baseline ${c.chatsBaseline}`);
  const speedup = (label) => results[`baseline ${label}`].p95 / results[`summary ${label}`].p95;
  const verdict = (ok) => (ok ? 'PASS' : 'MISS');
  const summaryRows = [
    {
      metric: 'seeded',
      value: `${config.conversations.toLocaleString('en')} conv / ${seeded.counts.messages.toLocaleString('en')} msg / ${seeded.counts.conversation_events.toLocaleString('en')} events ${seedMs === null ? '(reused)' : `in ${(seedMs / 1000).toFixed(0)} s`}`,
      target: '',
      verdict: '',
    },
    {
      metric: 'facts derived by the refresher',
      value: `${backlog.toLocaleString('en')} conversations at ${refreshRate} conv/s`,
      target: '',
      verdict: '',
    },
    {
      metric: 'summary 30 d (channel × manager) p95',
      value: ms(results['summary 30 days'].p95),
      target: `≤ ${TARGETS.summary30P95} ms`,
      verdict: verdict(results['summary 30 days'].p95 <= TARGETS.summary30P95),
    },
    {
      metric: 'summary 30 d not day-aligned p95',
      value: ms(results['summary 30 days, not day-aligned'].p95),
      target: '',
      verdict: '',
    },
    {
      metric: 'summary 12 mo (channel × manager) p95',
      value: ms(results['summary 12 months'].p95),
      target: `≤ ${TARGETS.summary12mP95} ms`,
      verdict: verdict(results['summary 12 months'].p95 <= TARGETS.summary12mP95),
    },
    ...['30 days', '12 months'].map((label) => ({
      metric: `raw-event baseline ${label} p95 (ratio)`,
      value: `${ms(results[`baseline ${label}`].p95)} (${speedup(label).toFixed(1)}×)`,
      target: `≥ ${TARGETS.speedup}×`,
      verdict: verdict(speedup(label) >= TARGETS.speedup),
    })),
    {
      metric: 'drill-down first page p95',
      value: ms(results['drill-down first page'].p95),
      target: '',
      verdict: '',
    },
    {
      metric: 'conversation list first page p95',
      value: ms(results['conversation list first page'].p95),
      target: `≤ ${TARGETS.listP95} ms`,
      verdict: verdict(results['conversation list first page'].p95 <= TARGETS.listP95),
    },
    {
      metric: 'API chats = baseline chats',
      value: Object.values(checks).every((c) => c.chatsApi === c.chatsBaseline) ? 'yes' : 'NO',
      target: 'yes',
      verdict: Object.values(checks).every((c) => c.chatsApi === c.chatsBaseline) ? 'PASS' : 'FAIL',
    },
  ];
  const failed = summaryRows.some((r) => r.verdict === 'FAIL');
  writeFileSync(
    join(root, 'test-results', 'bench', 'analytics.json'),
    JSON.stringify(
      { suite: name, at: new Date().toISOString(), config, seeded: { ...seeded, seedMs }, refreshMs, results, checks },
      null,
      2,
    ),
  );
  return { name, summary: summaryRows, failed };
}
