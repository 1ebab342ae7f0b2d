import { join } from 'node:path';
import { BenchPartner } from './partner.js';
import { ratioRow, type Row } from './report.js';
import { load, type LoadResult } from './load.js';
import { benchEnv, startGatewayProcess } from './rows-http.js';
import { declareMany, scanLoad } from './rows-checkpoint.js';

/**
 * 一证通行 (issue 25): a scan with the document alone must cost no more than a scan of the
 * person's own code — both are a keyed lookup, no scrypt. The same 1 000 people, scanned by their
 * codes (the baseline) and by their documents alone, in the same run, on one gateway process.
 */
const PEOPLE = 1_000;
/** Alternating rounds, so a burst of other work on a shared machine falls on both sides alike. */
const ROUNDS = 6;

function combine(results: readonly LoadResult[]): LoadResult {
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const requests = results.reduce((a, r) => a + r.requests, 0);
  const seconds = results.reduce((a, r) => a + r.seconds, 0);
  const statusCounts: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.statusCounts)) statusCounts[k] = (statusCounts[k] ?? 0) + v;
  return {
    requests, seconds, perSecond: requests / seconds,
    p50Ms: median(results.map((r) => r.p50Ms)), p99Ms: median(results.map((r) => r.p99Ms)), maxMs: Math.max(...results.map((r) => r.maxMs)),
    failures: results.reduce((a, r) => a + r.failures, 0), statusCounts,
  };
}

export async function documentScanRow(dir: string, partner: BenchPartner, seconds: number): Promise<Row> {
  const home = join(dir, 'document');
  // The set-up needs codes now (201), so its declarations wait in the pool instead of the launch queue.
  const gw = await startGatewayProcess(home, 'document', partner, benchEnv({ BINDING_SCRYPT_LOG_N: '10', ISSUE_POOL_QUEUE: '64', DECLARATION_QUEUE_ENABLED: 'false' }));
  try {
    const people = await declareMany(gw.url, 300_000, PEOPLE);
    const token = await gw.addDevice('bench-document');
    const round = Math.max(1, seconds / ROUNDS);
    const codes = scanLoad(gw.url, token, people.map((p) => ({ code: p.jws, document: p.document })), round);
    const documents = scanLoad(gw.url, token, people.map((p) => ({ document: p.document })), round);
    await load({ ...codes, seconds: 2 });
    await load({ ...documents, seconds: 2 });
    const rounds: Array<[LoadResult, LoadResult]> = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push([await load(codes), await load(documents)]);
    const byCode = combine(rounds.map((r) => r[0]));
    const byDocument = combine(rounds.map((r) => r[1]));
    return ratioRow({
      id: 'scans-document', name: `POST /v1/checkpoint/scans by document alone (一证通行), ${PEOPLE} people, 16 connections`,
      value: byDocument.perSecond, unit: 'req/s', baseline: { name: 'scans of the same people\'s own codes', value: byCode.perSecond },
      p50Ms: byDocument.p50Ms, p99Ms: byDocument.p99Ms, failures: byDocument.failures + byCode.failures,
      notes: [`${ROUNDS} alternating rounds of ${round.toFixed(1)} s each; ${byDocument.requests} document scans, ${byDocument.failures} not pass; code scans p50/p99 ${byCode.p50Ms}/${byCode.p99Ms} ms, ${byCode.failures} not pass; per-round ratios ${rounds.map(([c, d]) => (d.perSecond / c.perSecond).toFixed(2)).join(', ')}`],
      bound: 'the document\'s keyed hash, the subject by its index and the colour derived from its events (3 store reads), against a code scan\'s signature check plus the same reads',
    }, 0.8);
  } finally {
    await gw.stop();
  }
}
