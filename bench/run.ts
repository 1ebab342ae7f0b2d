import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { SignJWT, compactVerify, importJWK, type JWK } from 'jose';
import { createBinding, matchesBinding } from '../gateway/identity/binding.js';
import { maskDocumentNumber } from '../gateway/identity/documents.js';
import { CREDENTIAL_TYP, signCredential } from '../gateway/issuer/sign-credential.js';
import { issueCode } from '../gateway/declarations/code-issuer.js';
import type { DeclarationResult } from '../gateway/types/schemas.js';
import { expectJson } from '../demo/http.js';
import { freePort, GatewayProcess } from '../demo/processes.js';
import { renderTable } from '../demo/table.js';
import { countCandidates, guessingEstimate } from './guessing.js';
import { formatRate, measure, type Measurement } from './measure.js';
import { BENCH_DOCUMENT, declaration, startBenchGateway } from './setup.js';

/**
 * `npm run bench [-- --seconds=N]`: throughput of the gateway's hot paths against raw jose measured
 * in the same run on the same machine, so the ratios hold even where the absolute figures do not.
 * Also the cost of one scrypt guess and what it means for unmasking a resident ID from one code.
 */
const SECONDS = Number(/^--seconds=(\d+(?:\.\d+)?)$/.exec(process.argv.find((a) => a.startsWith('--seconds=')) ?? '')?.[1] ?? 2);
const HTTP_WORKERS = 16;

async function must(ok: Promise<boolean> | boolean, what: string): Promise<void> {
  if (!(await ok)) throw new Error(`sanity check failed before measuring: ${what}`);
}

function httpVerify(pool: Pool, jws: string): () => Promise<void> {
  const body = JSON.stringify({ code: jws });
  return async () => {
    const res = await pool.request({ path: '/v1/verify', method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.startsWith('{"valid":true')) throw new Error(`POST /v1/verify answered ${res.statusCode}: ${text.slice(0, 80)}`);
  };
}

async function main(): Promise<void> {
  const cpu = cpus();
  console.log(`Benchmarks — Node ${process.version}, ${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}, load average ${loadavg()[0]!.toFixed(2)} at start, ${SECONDS} s per row\n`);
  const bench = await startBenchGateway();
  const { gateway, jws, subject } = bench;
  const { deps } = gateway;
  const child = new GatewayProcess({ label: 'bench', dir: join(bench.dir, 'child'), port: await freePort(), env: {} });
  const pools: Pool[] = [];
  try {
    const key = deps.keystore.activeKey();
    const publicKey = await importJWK(key.publicJwk as JWK, key.alg);
    const binding15 = await createBinding(BENCH_DOCUMENT, 15);
    const binding12 = await createBinding(BENCH_DOCUMENT, 12);
    await child.start();
    const childJws = (await expectJson<DeclarationResult>(201, 'POST', `${child.url}/v1/declarations`, declaration())).credential.jws;
    const inProcessPool = new Pool(bench.url, { connections: HTTP_WORKERS });
    const childPool = new Pool(child.url, { connections: HTTP_WORKERS });
    pools.push(inProcessPool, childPool);

    await must((await deps.verify(jws)).valid, 'deps.verify accepts the code');
    await must(compactVerify(jws, publicKey).then(() => true), 'jose verifies the code');
    await must(matchesBinding(binding15, BENCH_DOCUMENT), 'the logN 15 binding matches');
    await httpVerify(inProcessPool, jws)();
    await httpVerify(childPool, childJws)();

    const signOptions = { issuer: deps.config.issuer.url, region: deps.config.issuer.region, ttlSeconds: deps.config.credentialTtlSeconds, now: Date.now() };
    const rawSign = (): Promise<string> => {
      const iat = Math.floor(Date.now() / 1000);
      const hc = { v: 1, color: 'green', region: signOptions.region, name: subject.nameMasked, doc: subject.documentMasked, docType: subject.documentType, bind: subject.binding };
      return new SignJWT({ hc })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CREDENTIAL_TYP })
        .setIssuer(signOptions.issuer).setSubject(subject.id).setJti(randomUUID())
        .setIssuedAt(iat).setNotBefore(iat).setExpirationTime(iat + signOptions.ttlSeconds)
        .sign(key.privateKey);
    };

    const opts = { seconds: SECONDS };
    const verifyBase = await measure(`raw jose compactVerify (${key.alg})`, () => compactVerify(jws, publicKey), opts);
    const verifyRows: Measurement[] = [
      await measure('gateway verify path, in process (deps.verify)', () => deps.verify(jws), opts),
      await measure(`POST /v1/verify, HTTP, in-process server, ${HTTP_WORKERS} in flight`, httpVerify(inProcessPool, jws), { ...opts, workers: HTTP_WORKERS }),
      await measure(`POST /v1/verify, HTTP, gateway process, ${HTTP_WORKERS} in flight`, httpVerify(childPool, childJws), { ...opts, workers: HTTP_WORKERS }),
      await measure('checkpoint binding check, scrypt logN 15', () => matchesBinding(binding15, BENCH_DOCUMENT), opts),
      await measure('checkpoint binding check, scrypt logN 12', () => matchesBinding(binding12, BENCH_DOCUMENT), opts),
    ];
    const signBase = await measure(`raw jose SignJWT (${key.alg})`, rawSign, opts);
    const signRows: Measurement[] = [
      await measure('signCredential', () => signCredential(subject, 'green', deps.keystore, { ...signOptions, now: Date.now() }), opts),
      await measure('issueCode: colour + sign + record (SQLite)', () => issueCode(deps, subject), opts),
    ];

    const line = (m: Measurement, base: Measurement, baseName: string): string[] => {
      const ratio = m.opsPerSecond / base.opsPerSecond;
      return [m.name, formatRate(m.opsPerSecond), `${m.meanMs < 10 ? m.meanMs.toFixed(3) : m.meanMs.toFixed(1)} ms`, m === base ? 'baseline' : `${ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2)}× ${baseName}`];
    };
    const rows = [
      line(verifyBase, verifyBase, ''),
      ...verifyRows.map((m) => line(m, verifyBase, 'raw jose verify')),
      line(signBase, signBase, ''),
      ...signRows.map((m) => line(m, signBase, 'raw jose sign')),
    ];
    console.log(renderTable(['operation', 'ops/s', 'mean', 'ratio (same run)'], rows));
    console.log('\n(mean = wall time of one operation as one caller sees it; HTTP rows keep 16 requests in flight.)');

    const guessSeconds = verifyRows[3]!.meanMs / 1000;
    const guess12 = verifyRows[4]!.meanMs / 1000;
    const masked = maskDocumentNumber(BENCH_DOCUMENT.number);
    const region = deps.config.issuer.region;
    const count = countCandidates(masked, region, new Date());
    const display = `${BENCH_DOCUMENT.number.slice(0, 4)}**********${BENCH_DOCUMENT.number.slice(-4)}`;
    const shown = countCandidates(display, region, new Date());
    console.log(`\nOffline guessing of the resident ID behind one code (its binding + the masked number ${masked}):`);
    console.log(`  one guess = one scrypt: ${(guessSeconds * 1000).toFixed(1)} ms at logN 15 (32 MiB), ${(guess12 * 1000).toFixed(1)} ms at logN 12 (4 MiB), one core of this machine`);
    console.log(`  candidates: 2 hidden region digits × birth dates 1900-01-01..today × 1000 sequences = ${count.afterCheck.toExponential(2)}`);
    console.log(`  ${guessingEstimate('logN 15', count.afterCheck, guessSeconds)}`);
    console.log(`  ${guessingEstimate(`logN 15, region guessed as the issuer's (${region})`, count.likelyRegionAfterCheck, guessSeconds)}`);
    console.log(`  ${guessingEstimate('logN 12', count.afterCheck, guess12)}`);
    console.log(`Were codes to carry the display mask ${display} (sequence and check character visible):`);
    console.log(`  ${guessingEstimate('logN 15', shown.afterCheck, guessSeconds)}`);
    console.log(`  ${guessingEstimate(`logN 15, region guessed as the issuer's (${region})`, shown.likelyRegionAfterCheck, guessSeconds)}`);
  } finally {
    await Promise.allSettled(pools.map((p) => p.close()));
    await child.stop();
    await gateway.close();
    rmSync(bench.dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
