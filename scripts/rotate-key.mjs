// `npm run rotate-key`: build what is missing, then re-seal every stored secret with a new key
// (server/src/secrets/rotate-key.ts; docs/SECURITY.md, "Key rotation").
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ensureInstalled, root } from './ensure.mjs';

ensureInstalled();
ensureBuilt();
const result = spawnSync(process.execPath, [join(root, 'server', 'dist', 'secrets', 'rotate-key.js')], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
