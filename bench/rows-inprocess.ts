import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compactVerify, type CryptoKey } from 'jose';
import { Pool } from 'undici';
import { assertValid } from '../gateway/schemas/registry.js';
import type { VerifyRequest, VerifyResult } from '../gateway/types/schemas.js';
import { measure, type Measurement } from './measure.js';
import { BenchPartner } from './partner.js';
import { ratioRow, type Row } from './report.js';
import { CACHE_ENTRIES, startInProcessGateway } from './setup.js';

/**
 * Rows without HTTP (64 verifications in flight, as a busy server has them) and the cold-cache
 * crowd. Codes cycle through a pool of 2 × CACHE_ENTRIES + 1 distinct codes: in least-recently-used
 * order every one was evicted long before it comes round again, so the "distinct codes" rows never
 * hit the cache (and the row checks that it did not).
 */
export const IN_FLIGHT = 64;
/** Rounds of each side of the pipeline row, alternated. */
const ROUNDS = 4;

function combine(rounds: readonly Measurement[]): Measurement {
  const ops = rounds.reduce((a, r) => a + r.ops, 0);
  const secs = rounds.reduce((a, r) => a + r.seconds, 0);
  return { ...rounds[0]!, ops, seconds: secs, opsPerSecond: ops / secs };
}

function cycle(codes: readonly string[]): () => string {
  let i = 0;
  return () => codes[i++ % codes.length]!;
}

export async function inProcessRows(dir: string, partner: BenchPartner, codes: readonly string[], seconds: number): Promise<Row[]> {
  const { gateway } = await startInProcessGateway(join(dir, 'inprocess'), partner, { backgroundRefresh: true });
  try {
    const { deps, verifiedCache } = gateway;
    const key: CryptoKey = await partner.publicKey();
    // Everything POST /v1/verify does except HTTP: the request schema, the verify service (key,
    // signature, claims, normalisation, status list, metrics) and the JSON of the answer.
    const pipeline = async (code: string): Promise<void> => {
      const request = assertValid<VerifyRequest>('verify-request', { code });
      const outcome = await deps.verify(request.code);
      if (!outcome.valid) throw new Error(`a bench code was refused: ${outcome.error.code}`);
      const result: VerifyResult = { valid: true, credential: outcome.credential };
      JSON.stringify(result);
    };
    // Sanity first, with the last code: it is evicted long before the cycle reaches it.
    await pipeline(codes.at(-1)!);
    await compactVerify(codes.at(-1)!, key);

    // Interleaved rounds (A B, B A, …): on a shared machine drift then falls on both sides alike.
    const opts = { seconds: seconds / ROUNDS, workers: IN_FLIGHT, warmupSeconds: 0.25 };
    const rawNext = cycle(codes);
    const next = cycle(codes);
    const hitsBefore = verifiedCache?.hits ?? 0;
    const rawRounds: Measurement[] = [];
    const pipeRounds: Measurement[] = [];
    // CPU time of this process (every thread: the main one and the libuv pool) per operation: on a
    // machine shared with others, wall-clock throughput moves with their load, CPU per op much less.
    const cpu = { raw: 0, pipe: 0 };
    const timed = async (which: 'raw' | 'pipe', run: () => Promise<Measurement>): Promise<Measurement> => {
      const before = process.cpuUsage();
      const m = await run();
      const used = process.cpuUsage(before);
      cpu[which] += used.user + used.system;
      return m;
    };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['raw', 'pipe'] : ['pipe', 'raw'];
      for (const which of order) {
        if (which === 'raw') rawRounds.push(await timed('raw', () => measure('jose.compactVerify', () => compactVerify(rawNext(), key), opts)));
        else pipeRounds.push(await timed('pipe', () => measure('pipeline', () => pipeline(next()), opts)));
      }
    }
    const stray = (verifiedCache?.hits ?? 0) - hitsBefore;
    const raw = combine(rawRounds);
    const uncached = combine(pipeRounds);
    const perRound = pipeRounds.map((p, i) => (p.opsPerSecond / rawRounds[i]!.opsPerSecond).toFixed(2));
    // Warm-up operations are inside the CPU window too; both sides have the same warm-up.
    const cpuPerOp = (us: number, rounds: Measurement[]): number => us / rounds.reduce((a, r) => a + r.ops, 0);
    const rawCpu = cpuPerOp(cpu.raw, rawRounds);
    const pipeCpu = cpuPerOp(cpu.pipe, pipeRounds);

    const repeat = codes.slice(0, 1000);
    for (const code of repeat) await pipeline(code);
    const repeatHitsBefore = verifiedCache?.hits ?? 0;
    const repeatNext = cycle(repeat);
    const cached = await measure('pipeline, repeat scans', () => pipeline(repeatNext()), { seconds, workers: IN_FLIGHT });
    const repeatHits = (verifiedCache?.hits ?? 0) - repeatHitsBefore;
    const warmup = cached.ops > 0 ? repeatHits - cached.ops : 0;

    return [
      ratioRow({
        id: 'verify-pipeline',
        name: `verification pipeline in process, distinct partner codes, ${IN_FLIGHT} in flight`,
        value: uncached.opsPerSecond,
        unit: 'ops/s',
        baseline: { name: 'jose.compactVerify', value: raw.opsPerSecond },
        failures: stray,
        notes: [`${codes.length} distinct codes cycled; cache hits during the row: ${stray} (must be 0)`, `${ROUNDS} interleaved rounds, pipeline / jose per round: ${perRound.join(', ')}`, `CPU per operation (all threads, warm-up included): pipeline ${pipeCpu.toFixed(1)} µs, jose.compactVerify ${rawCpu.toFixed(1)} µs — jose / pipeline = ${(rawCpu / pipeCpu).toFixed(2)}×`],
        bound: 'the JavaScript around the one ECDSA verification (strict parsing, header rules, claims, normalisation with its schema check, status list, metrics) on the same two cores',
      }, 0.8),
      ratioRow({
        id: 'verify-cache',
        name: `repeat scans of codes verified moments ago (cache), ${IN_FLIGHT} in flight`,
        value: cached.opsPerSecond,
        unit: 'ops/s',
        baseline: { name: 'uncached pipeline', value: uncached.opsPerSecond },
        notes: [`1,000 codes scanned again and again; cache hits ${repeatHits} for ${cached.ops} measured + ${Math.max(0, warmup)} warm-up scans`],
        bound: 'the re-checks every hit makes (registry, key source, time claims, status list)',
      }, 2.0),
    ];
  } finally {
    await gateway.close();
  }
}

/**
 * 1,000 first verifications at once over HTTP, all of one partner whose keys the gateway has not
 * fetched yet (background refresh off, so nothing warmed them): the key server must see one fetch.
 */
export async function coldCacheRow(dir: string): Promise<Row> {
  const partner = await new BenchPartner('cold').start();
  const { gateway, url } = await startInProcessGateway(join(dir, 'cold'), partner, { backgroundRefresh: false });
  const pool = new Pool(url, { connections: 1000, pipelining: 1 });
  try {
    const codes = partner.codes(1000);
    const started = performance.now();
    const answers = await Promise.all(codes.map(async (code) => {
      const res = await pool.request({ path: '/v1/verify', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      const text = await res.body.text();
      return res.statusCode === 200 && text.startsWith('{"valid":true');
    }));
    const seconds = (performance.now() - started) / 1000;
    const valid = answers.filter(Boolean).length;
    const pass = partner.keyFetches === 1 && valid === codes.length;
    return {
      id: 'cold-cache',
      name: '1,000 concurrent first codes of one partner, keys not cached',
      value: partner.keyFetches,
      unit: 'fetches',
      target: 'exactly 1 key fetch',
      pass,
      failures: codes.length - valid,
      notes: [`${partner.keyFetches} key fetch(es), ${partner.statusFetches} status-list fetch(es); ${valid}/1000 valid in ${seconds.toFixed(2)} s`],
      bound: 'single-flight key fetch (partner-fetch-cache.ts)',
    };
  } finally {
    await pool.close();
    await gateway.close();
    await partner.close();
  }
}
