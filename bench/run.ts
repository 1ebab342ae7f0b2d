// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../gateway/runtime/require-node.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBinding, matchesBinding } from '../gateway/identity/binding.js';
import { maskDocumentNumber } from '../gateway/identity/documents.js';
import { countCandidates, guessingEstimate } from './guessing.js';
import { launchDayRows, RESIDENTS } from './launch-day.js';
import { measure } from './measure.js';
import { BenchPartner } from './partner.js';
import { markdownTable, printTable, writeJson, type Row } from './report.js';
import { coldCacheRow, inProcessRows } from './rows-inprocess.js';
import { libraryRow } from './rows-library.js';
import { httpRows, workersRow } from './rows-http.js';
import { signatureRow } from './rows-signature.js';
import { checkpointRows, pinnedProcessesRow } from './rows-checkpoint.js';
import { documentScanRow } from './rows-document.js';
import { statusListRows } from './rows-status-list.js';
import { bareJoseRow } from './rows-bare-jose.js';
import { queueRows } from './rows-queue.js';
import { qrLegibility, type QrFormatFigures } from './rows-qr.js';
import { BENCH_DOCUMENT, CACHE_ENTRIES } from './setup.js';

/**
 * `npm run bench [-- --seconds=N --launch-seconds=N --launch-full --only=a,b]`: every benchmark of
 * the performance table of docs/performance.md, each measured against its baseline in the same run on the same
 * machine, so the ratios hold where absolute figures do not. Prints the table (target, PASS/MISS)
 * and writes the figures to bench/results/latest.json (a run with --only writes partial.json).
 *
 * Groups for --only: pipeline (in-process pipeline + cache), library (the verifier library), http (verify over HTTP, cheapest
 * route), signature (POST /v1/verify with jose vs the node:crypto path, interleaved), cold (cold
 * key cache), launch (declarations, SQLite then PostgreSQL), workers, guessing,
 * checkpoint (scans of own and partner codes, scans under a declaration flood, the flood itself),
 * pinned (declarations on 2 processes pinned to a core each vs 1, PostgreSQL), qr (the code's length,
 * QR version and the share the checkpoint page's decoder reads from degraded renders, per code layout;
 * --qr-reader=zxing-js for ZXing's JavaScript port), statuslist (Xinji's
 * Token Status List for 1,000,000 codes, 10,000 code fetches by one token, GET of the trust bundle),
 * jose (POST /v1/verify vs a bare express + jose.jwtVerify process), queue (the launch-day queue:
 * accepted vs plain insert, codes from the queue vs the scrypt bound, 2 pinned worker processes vs 1),
 * document (一证通行 scans by document alone vs scans of the same people's codes).
 */
const GROUPS = ['pipeline', 'library', 'http', 'jose', 'signature', 'cold', 'launch', 'queue', 'workers', 'guessing', 'checkpoint', 'pinned', 'qr', 'statuslist', 'document'] as const;
type Group = (typeof GROUPS)[number];

function flag(name: string): string | undefined {
  const arg = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (arg === undefined) return undefined;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : 'true';
}

function positive(name: string, fallback: number): number {
  const raw = flag(name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const SECONDS = positive('seconds', 8);
const LAUNCH_SECONDS = positive('launch-seconds', 15);
const LAUNCH_FULL = flag('launch-full') === 'true';
const ONLY = flag('only');
const selected = new Set<Group>(ONLY ? (ONLY.split(',') as Group[]) : GROUPS);
for (const g of selected) if (!GROUPS.includes(g)) throw new Error(`--only: unknown group ${g} (known: ${GROUPS.join(', ')})`);
const RESULTS = fileURLToPath(new URL(`../../bench/results/${ONLY ? 'partial' : 'latest'}.json`, import.meta.url));

interface Guessing {
  scryptLogN15Ms: number;
  scryptLogN12Ms: number;
  lines: string[];
}

async function guessing(): Promise<Guessing> {
  const binding15 = await createBinding(BENCH_DOCUMENT, 15);
  const binding12 = await createBinding(BENCH_DOCUMENT, 12);
  if (!(await matchesBinding(binding15, BENCH_DOCUMENT))) throw new Error('the logN 15 binding does not match');
  const opts = { seconds: Math.min(SECONDS, 4) };
  const m15 = await measure('scrypt logN 15', () => matchesBinding(binding15, BENCH_DOCUMENT), opts);
  const m12 = await measure('scrypt logN 12', () => matchesBinding(binding12, BENCH_DOCUMENT), opts);
  const guessSeconds = m15.meanMs / 1000;
  const guess12 = m12.meanMs / 1000;
  const masked = maskDocumentNumber(BENCH_DOCUMENT.number);
  const region = '130181';
  const count = countCandidates(masked, region, new Date());
  const display = `${BENCH_DOCUMENT.number.slice(0, 4)}**********${BENCH_DOCUMENT.number.slice(-4)}`;
  const shown = countCandidates(display, region, new Date());
  const lines = [
    `Offline guessing of the resident ID behind one code (its binding + the masked number ${masked}):`,
    `  one guess = one scrypt: ${(guessSeconds * 1000).toFixed(1)} ms at logN 15 (32 MiB), ${(guess12 * 1000).toFixed(1)} ms at logN 12 (4 MiB), one core of this machine`,
    `  candidates: 2 hidden region digits × birth dates 1900-01-01..today × 1000 sequences = ${count.afterCheck.toExponential(2)}`,
    `  ${guessingEstimate('logN 15', count.afterCheck, guessSeconds)}`,
    `  ${guessingEstimate(`logN 15, region guessed as the issuer's (${region})`, count.likelyRegionAfterCheck, guessSeconds)}`,
    `  ${guessingEstimate('logN 12', count.afterCheck, guess12)}`,
    `Were codes to carry the display mask ${display} (sequence and check character visible):`,
    `  ${guessingEstimate('logN 15', shown.afterCheck, guessSeconds)}`,
    `  ${guessingEstimate(`logN 15, region guessed as the issuer's (${region})`, shown.likelyRegionAfterCheck, guessSeconds)}`,
  ];
  return { scryptLogN15Ms: m15.meanMs, scryptLogN12Ms: m12.meanMs, lines };
}

async function scryptLogN15Ms(): Promise<number> {
  const binding = await createBinding(BENCH_DOCUMENT, 15);
  return (await measure('scrypt logN 15', () => matchesBinding(binding, BENCH_DOCUMENT), { seconds: Math.min(SECONDS, 3) })).meanMs;
}

async function main(): Promise<void> {
  const cpu = cpus();
  const started = new Date();
  const machine = { node: process.version, cpu: cpu[0]?.model.trim() ?? 'unknown CPU', cores: cpu.length, loadAverageAtStart: Number(loadavg()[0]!.toFixed(2)) };
  console.log(`Benchmarks — Node ${machine.node}, ${machine.cpu} × ${machine.cores}, load average ${machine.loadAverageAtStart} at start; ${SECONDS} s per measured row, launch day ${LAUNCH_FULL ? `all ${RESIDENTS} residents` : `${LAUNCH_SECONDS} s per store`}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'hcg-bench-'));
  const rows: Row[] = [];
  let guessed: Guessing | undefined;
  let qr: { figures: QrFormatFigures[]; lines: string[] } | undefined;
  const partner = await new BenchPartner().start();
  try {
    // 2 × cache size + 1 distinct codes: cycled in order they never hit the LRU cache.
    const needsCodes = selected.has('pipeline') || selected.has('library') || selected.has('http') || selected.has('jose') || selected.has('signature') || selected.has('workers');
    const codes = needsCodes ? partner.codes(2 * CACHE_ENTRIES + 1) : [];
    if (selected.has('pipeline')) rows.push(...(await inProcessRows(dir, partner, codes, SECONDS)));
    if (selected.has('library')) rows.push(await libraryRow(dir, partner, codes, SECONDS));
    if (selected.has('http')) rows.push(...(await httpRows(dir, partner, codes, SECONDS)));
    if (selected.has('jose')) rows.push(await bareJoseRow(dir, partner, codes, SECONDS));
    if (selected.has('signature')) rows.push(await signatureRow(dir, partner, codes, SECONDS));
    if (selected.has('cold')) rows.push(await coldCacheRow(dir));
    // One logN-15 scrypt on one core of this machine, measured in this run: the scrypt bound of the rows is cores ÷ it.
    const needsBound = selected.has('launch') || selected.has('checkpoint') || selected.has('queue');
    const scryptMs = needsBound ? await scryptLogN15Ms() : 0;
    const scryptBoundPerSecond = cpu.length / (scryptMs / 1000);
    if (selected.has('launch')) {
      rows.push(...(await launchDayRows(dir, { seconds: LAUNCH_SECONDS, full: LAUNCH_FULL, databaseUrl: process.env['TEST_DATABASE_URL'], diagnostic: true, scryptBoundPerSecond })));
    }
    if (selected.has('queue')) rows.push(...(await queueRows(dir, { seconds: SECONDS, databaseUrl: process.env['TEST_DATABASE_URL'], scryptMs })));
    if (selected.has('checkpoint')) rows.push(...(await checkpointRows(dir, partner, SECONDS, scryptMs)));
    if (selected.has('pinned')) rows.push(await pinnedProcessesRow(dir, SECONDS, process.env['TEST_DATABASE_URL']));
    if (selected.has('document')) rows.push(await documentScanRow(dir, partner, SECONDS));
    if (selected.has('workers')) rows.push(await workersRow(dir, partner, codes, SECONDS));
    if (selected.has('statuslist')) rows.push(...(await statusListRows(dir, partner, SECONDS)));
    if (selected.has('guessing')) guessed = await guessing();
    if (selected.has('qr')) {
      // --qr-reader=zxing-js: the page's reader before zxing-cpp, for comparison on the same draws.
      const reader = flag('qr-reader') === 'zxing-js' ? 'zxing-js' : 'zxing-cpp';
      qr = await qrLegibility({ codes: positive('qr-codes', 60), issuer: 'https://gateway.xinji.example', reader });
    }
  } finally {
    await partner.close();
    rmSync(dir, { recursive: true, force: true });
  }

  printTable(rows);
  if (guessed) console.log(`\n${guessed.lines.join('\n')}`);
  if (qr) console.log(`\n${qr.lines.join('\n')}`);
  if (flag('markdown') === 'true') console.log(`\n${markdownTable(rows)}`);
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  writeJson(RESULTS, { command, markdown: markdownTable(rows), startedAt: started.toISOString(), machine, secondsPerRow: SECONDS, launchSeconds: LAUNCH_FULL ? null : LAUNCH_SECONDS, rows, guessing: guessed ?? null, qr: qr?.figures ?? null });
  console.log(`\nFigures written to ${RESULTS}`);
  if (rows.some((r) => r.pass === false)) console.log(`Rows that miss their target: ${rows.filter((r) => r.pass === false).map((r) => r.id).join(', ')} (see docs/performance.md).`);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
