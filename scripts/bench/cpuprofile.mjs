// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by where the code lives
// (server source, a package in node_modules, Node internals, GC/idle), over the samples inside an
// optional [fromMs, toMs) window of the profile's wall clock.
// Usage: node scripts/bench/cpuprofile.mjs <file.cpuprofile> [top=30]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function placeOf(url) {
  if (!url) return '(native/vm)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const src = /\/(server|libs\/[^/]+)\/dist\//.exec(url);
  if (src) return src[1];
  return url.replace(/^file:\/\//, '');
}

/** { totalMs, byFunction: [{name, place, ms, pct}], byPlace: [{place, ms, pct}] } */
export function summarize(profile, { top = 30, fromUs = -Infinity, toUs = Infinity } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t >= toUs) continue;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const byFunction = new Map();
  const byPlace = new Map();
  for (const [id, us] of self) {
    const { callFrame } = nodes.get(id);
    const name = callFrame.functionName || '(anonymous)';
    const place = ['(garbage collector)', '(idle)', '(program)'].includes(name) ? name : placeOf(callFrame.url);
    const key = `${name}  ${place}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
  }
  // Percentages are of the time the thread was busy: idle samples are left out.
  const idle = byPlace.get('(idle)') ?? 0;
  byPlace.delete('(idle)');
  for (const key of [...byFunction.keys()]) if (key.startsWith('(idle)')) byFunction.delete(key);
  const busy = total - idle;
  const rows = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => ({ key, ms: Math.round(us / 1000), pct: Math.round((us / busy) * 1000) / 10 }));
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    byFunction: rows(byFunction),
    byPlace: rows(byPlace),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top = '30'] = process.argv.slice(2);
  const result = summarize(JSON.parse(readFileSync(file, 'utf8')), { top: Number(top) });
  console.log(`sampled ${result.totalMs} ms, busy ${result.busyMs} ms (percentages of busy time)\n\nby place:`);
  for (const r of result.byPlace)
    console.log(`${String(r.pct).padStart(6)}%  ${String(r.ms).padStart(7)} ms  ${r.key}`);
  console.log('\nby function (self time):');
  for (const r of result.byFunction)
    console.log(`${String(r.pct).padStart(6)}%  ${String(r.ms).padStart(7)} ms  ${r.key}`);
}
