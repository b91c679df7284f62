// `npm run bench`: builds what changed, runs the named bench suites (scripts/bench/<name>.mjs, each
// exporting `name` and `run({ log })` → `{ summary: [{metric, value, target, verdict}], failed }`)
// and prints one summary table at the end. Results go to test-results/bench/<suite>.json.
//
//   BENCH_SUITES=ingest        comma-separated suites to run (default: all known: ingest, analytics, scaleout)
//   BENCH_SKIP_BUILD=1         use the existing dist/ builds
//
// A missed target is a measurement, not a failure: the exit code is non-zero only when a suite
// crashes or reports lost data.
import { ensureBuilt, ensureInstalled } from './ensure.mjs';
import { interruption, runCleanups, table } from './bench/lib.mjs';

const SUITES = ['ingest', 'analytics', 'scaleout'];

async function main() {
  const names = (process.env.BENCH_SUITES || SUITES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !SUITES.includes(n));
  if (unknown.length) throw new Error(`unknown bench suite(s): ${unknown.join(', ')} (known: ${SUITES.join(', ')})`);
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    ensureInstalled();
    ensureBuilt();
  }
  const results = [];
  let failed = false;
  for (const name of names) {
    console.log(`\n▸ Bench: ${name}`);
    const suite = await import(`./bench/${name}.mjs`);
    try {
      const outcome = await suite.run({ log: (line) => console.log(line) });
      results.push(outcome);
      failed ||= outcome.failed;
    } catch (err) {
      if (interruption.signal) return; // the signal handler cleans up and exits
      failed = true;
      console.error(`✖ ${name} crashed: ${err.stack ?? err}`);
      results.push({ name, summary: [{ metric: 'crashed', value: String(err.message), target: '', verdict: 'FAIL' }] });
    } finally {
      await runCleanups();
    }
  }
  const rows = results.flatMap((r) => r.summary.map((s) => ({ suite: r.name, ...s })));
  console.log('\n▸ Bench summary (this machine: see test-results/bench/*.json for every figure)\n');
  console.log(
    table(
      [
        ['suite', 'suite', 'l'],
        ['metric', 'metric', 'l'],
        ['value', 'value'],
        ['target', 'target'],
        ['', 'verdict', 'l'],
      ],
      rows,
    ),
  );
  if (failed) {
    console.error('\n✖ a suite crashed or lost data');
    process.exitCode = 1;
  }
}

main()
  .catch(async (err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await runCleanups();
    // The load generator's keep-alive sockets and timers must not keep the process alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 100).unref();
  });
