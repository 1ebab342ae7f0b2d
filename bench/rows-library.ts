import { join } from 'node:path';
import { compactVerify, type CryptoKey } from 'jose';
import { TrustStore } from '../verifier/index.js';
import { measure } from './measure.js';
import type { BenchPartner } from './partner.js';
import { ratioRow, type Row } from './report.js';
import { IN_FLIGHT } from './rows-inprocess.js';
import { startInProcessGateway } from './setup.js';

/**
 * The verifier library (verifier/) in Node against jose.compactVerify on the same partner codes,
 * 64 in flight: a TrustStore holding the gateway's own signed bundle, verify(code) returning the
 * POST /v1/verify body. The library has no verified-result cache, so every call is a full
 * verification: strict parsing, header rules, key lookup, jose's signature check, time claims,
 * normalisation with its schema check, the bundle's status snapshot.
 */
export async function libraryRow(dir: string, partner: BenchPartner, codes: readonly string[], seconds: number): Promise<Row> {
  const { gateway } = await startInProcessGateway(join(dir, 'library'), partner, { backgroundRefresh: true });
  try {
    const { deps } = gateway;
    // The partner's keys and status list are fetched by a first verification, then snapshotted.
    const first = await deps.verify(codes.at(-1)!);
    if (!first.valid) throw new Error(`a bench code was refused: ${first.error.code}`);
    const store = await TrustStore.create({ pinnedKeys: deps.keystore.publishedKeys(deps.now()) });
    const taken = await store.take((await deps.trustBundle()).jws, deps.now());
    if (!taken.accepted) throw new Error(`the bench bundle was refused: ${taken.error.code}`);
    const key: CryptoKey = await partner.publicKey();
    const library = async (code: string): Promise<void> => {
      const result = await store.verify(code);
      if (!result.valid) throw new Error(`a bench code was refused by the library: ${result.error.code}`);
    };
    await library(codes.at(-1)!);

    const opts = { seconds, workers: IN_FLIGHT };
    let i = 0;
    const raw = await measure('jose.compactVerify', () => compactVerify(codes[i++ % codes.length]!, key), opts);
    let j = 0;
    const lib = await measure('verifier library', () => library(codes[j++ % codes.length]!), opts);
    return ratioRow({
      id: 'verify-library',
      name: `verifier library (TrustStore.verify) in Node, distinct partner codes, ${IN_FLIGHT} in flight`,
      value: lib.opsPerSecond,
      unit: 'ops/s',
      baseline: { name: 'jose.compactVerify', value: raw.opsPerSecond },
      notes: [`${codes.length} distinct codes cycled; the library holds the gateway's signed trust bundle`],
      bound: 'the JavaScript around the one ECDSA verification, as in the gateway pipeline, without metrics or a result cache',
    }, 0.8);
  } finally {
    await gateway.close();
  }
}
