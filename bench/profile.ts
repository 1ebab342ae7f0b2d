import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './load.js';
import { BenchPartner } from './partner.js';
import { benchEnv, startGatewayProcess, verifyLoad, warmLoad } from './rows-http.js';
import { CACHE_ENTRIES, residentDeclaration } from './setup.js';
import type { LoadOptions } from './load.js';

/**
 * `npm run bench:profile [-- <seconds>] [--declarations | --healthz]`: POST /v1/verify of distinct partner codes
 * (the load of the verify-vs-bare-jose row) — or, with --declarations, POST /v1/declarations of new
 * residents (the launch-day accept row: the pool is busy, so most are queued, 202), or GET /healthz
 * (the cheapest route: what every request pays) — against one
 * gateway process started with --cpu-prof, then the hottest
 * functions by self time and the share of each source area (gateway/…, node_modules/<package>,
 * node internals). Issue 22: "profile first, fix what the profile shows".
 */
interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

function area(url: string): string {
  if (!url) return '(native / idle / gc)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6).split('/').slice(0, 2).join('/') : url;
}

function summarise(path: string): void {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const frame = (id: number | undefined): string => {
    const f = id === undefined ? undefined : byId.get(id)?.callFrame;
    return f ? `${f.functionName || '(anonymous)'} ${f.url ? `${area(f.url)}:${f.lineNumber + 1}` : ''}` : '(root)';
  };
  const callers = new Map<string, Map<string, number>>();
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? `${area(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    // Two frames up: the native functions (writeUtf8String, verifyOneShot) say little alone.
    const up = `${frame(parentOf.get(id))} < ${frame(parentOf.get(parentOf.get(id) ?? -1))}`;
    const into = callers.get(key) ?? new Map<string, number>();
    into.set(up, (into.get(up) ?? 0) + us);
    callers.set(key, into);
    areas.set(area(url), (areas.get(area(url)) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  console.log(`\n${path}: ${(total / 1e6).toFixed(1)} s sampled`);
  console.log('\nby area (self time):');
  for (const [k, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${pct(us)}  ${k}`);
  console.log('\nhottest functions (self time):');
  const hottest = [...fns].sort((a, b) => b[1] - a[1]);
  for (const [k, us] of hottest.slice(0, 40)) console.log(`  ${pct(us)}  ${k}`);
  console.log('\ncallers of the ten hottest (self time by the two frames above):');
  for (const [k] of hottest.slice(0, 10)) {
    console.log(`  ${k}`);
    for (const [up, us] of [...callers.get(k)!].sort((a, b) => b[1] - a[1]).slice(0, 4)) console.log(`    ${pct(us)}  ${up}`);
  }
}

// `-- --analyze <file.cpuprofile>`: only the summary, of a profile taken elsewhere (node --cpu-prof …).
const analyze = process.argv.indexOf('--analyze');
if (analyze >= 0) {
  summarise(process.argv[analyze + 1]!);
  process.exit(0);
}
const seconds = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'hcg-profile-'));
const profDir = join(dir, 'prof');
const partner = await new BenchPartner().start();
try {
  const declarations = process.argv.includes('--declarations');
  const healthz = process.argv.includes('--healthz');
  const gw = await startGatewayProcess(join(dir, 'gw'), 'profile', partner, benchEnv({ NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` }));
  let n = 0;
  // Signed once (20,001 of them): every load below cycles through the same distinct codes.
  const codes = healthz || declarations ? [] : partner.codes(2 * CACHE_ENTRIES + 1);
  const options = (secs: number): LoadOptions => healthz
    ? { url: gw.url, method: 'GET', path: '/healthz', connections: 32, seconds: secs, accept: (status) => status === 200 }
    : declarations
    ? {
        url: gw.url, method: 'POST', path: '/v1/declarations', connections: 64, seconds: secs,
        body: () => JSON.stringify(residentDeclaration(n++)),
        accept: (status) => status === 201 || status === 202,
      }
    : verifyLoad(gw.url, codes, secs);
  await warmLoad(options(2));
  const result = await load(options(seconds));
  await gw.stop();
  const { method, path } = options(0);
  console.log(`${method} ${path}: ${Math.round(result.perSecond)} req/s under the profiler, p50/p99 ${result.p50Ms}/${result.p99Ms} ms, ${result.failures} failed`);
  for (const file of readdirSync(profDir)) summarise(join(profDir, file));
} finally {
  await partner.close();
  rmSync(dir, { recursive: true, force: true });
}
