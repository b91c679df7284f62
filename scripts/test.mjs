// `npm test`: install and build what is missing, lint, run every project's Jest suites (unit,
// integration against the PostgreSQL on 127.0.0.1:5432 or TEST_PG_URL), the long resilience
// battery (`npm run test:resilience`), then the end-to-end test in Chromium.
import { ensureBuilt, ensureInstalled, nx, nxEnv, run } from './ensure.mjs';

ensureInstalled();
ensureBuilt();
console.log('▸ Lint');
run('npx', ['eslint', '.', '--max-warnings=0']);
console.log('▸ Unit and integration tests');
nx(['run-many', '-t', 'test', '--outputStyle=stream', '--parallel=1']);
console.log('▸ Resilience battery (kill -9 mid-ingest)');
run(process.execPath, ['scripts/resilience.mjs'], { env: { ...nxEnv, RESILIENCE_SKIP_BUILD: '1' } });
console.log('▸ End-to-end (Chromium)');
run(process.execPath, ['scripts/e2e.mjs']);
console.log('\n✔ All tests passed');
