// `npm run test:resilience`: the long resilience battery against the built server (scripts/resilience/
// <name>.mjs, each exporting `name` and `run({ log })` → `{ failed, figures }`). Figures go to
// test-results/resilience/<suite>.json. The fast part of the battery (replay storm, throttling, CRM
// outage) runs with the integration tests in `npm test`, which runs this too.
//
//   RESILIENCE_SUITES=crash      comma-separated suites to run (default: all known)
//   RESILIENCE_SKIP_BUILD=1      use the existing dist/ builds
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, ensureInstalled, root } from './ensure.mjs';
import { interruption, runCleanups } from './bench/lib.mjs';

const SUITES = ['crash'];

async function main() {
  const names = (process.env.RESILIENCE_SUITES || SUITES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !SUITES.includes(n));
  if (unknown.length)
    throw new Error(`unknown resilience suite(s): ${unknown.join(', ')} (known: ${SUITES.join(', ')})`);
  if (process.env.RESILIENCE_SKIP_BUILD !== '1') {
    ensureInstalled();
    ensureBuilt();
  }
  let failed = false;
  for (const name of names) {
    console.log(`\n▸ Resilience: ${name}`);
    const suite = await import(`./resilience/${name}.mjs`);
    try {
      const outcome = await suite.run({ log: (line) => console.log(line) });
      writeFileSync(
        join(root, 'test-results', 'resilience', `${name}.json`),
        JSON.stringify({ at: new Date().toISOString(), ...outcome }, null, 2),
      );
      failed ||= outcome.failed;
    } catch (err) {
      if (interruption.signal) return;
      failed = true;
      console.error(`✖ ${name} crashed: ${err.stack ?? err}`);
    } finally {
      await runCleanups();
    }
  }
  if (failed) {
    console.error('\n✖ the resilience battery found a problem');
    process.exitCode = 1;
  } else console.log('\n✔ Resilience battery passed');
}

main().catch(async (err) => {
  console.error(err);
  await runCleanups();
  process.exit(1);
});
