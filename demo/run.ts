// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../gateway/runtime/require-node.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { maskName } from '../gateway/identity/documents.js';
import { STATUS_PATH } from '../gateway/issuer/issuer-metadata.js';
import type { CredentialStatusList } from '../gateway/types/schemas.js';
import { BEIJING, HANGZHOU, PEOPLE, SAMPLES } from './cities.js';
import { scanAt, Tally, verifyAt } from './check-codes.js';
import { Federation } from './federation.js';
import { expectJson } from './http.js';
import { issueCityCodes, issueXinjiCodes, type DemoCode } from './issue-codes.js';
import { renderTable } from './table.js';

/**
 * `npm run demo`: mutual recognition (跨域互认) on 127.0.0.1 in a few seconds. Xinji and two
 * simulated cities issue codes in their own formats; every code is verified at every other
 * city's gateway and scanned at the Xinji checkpoint; the table shows what each city made of it.
 * Exit code 0 only when every outcome is the expected one, so this is also an end-to-end check.
 */
const log = (line: string): void => void process.stdout.write(line + '\n');
const source = (value: string | number): string => JSON.stringify(value);

async function run(federation: Federation, riskFeedToken: string, startedAt: number): Promise<boolean> {
  log('跨域互认 — mutual recognition demo, everything on 127.0.0.1\n');
  await federation.start();
  const [xinji, ...others] = federation.gateways();
  const gateways = [xinji!, ...others];
  const [beijing, hangzhou] = federation.cities;

  const fromXinji = await issueXinjiCodes(xinji!.url, riskFeedToken, { green: PEOPLE.xinjiGreen, yellow: PEOPLE.xinjiYellow, red: PEOPLE.xinjiRed });
  const codes: DemoCode[] = [
    ...fromXinji.codes,
    ...(await issueCityCodes(beijing!, PEOPLE.beijing, SAMPLES.beijing)),
    ...(await issueCityCodes(hangzhou!, PEOPLE.hangzhou, SAMPLES.hangzhou)),
  ];

  const tally = new Tally();
  let verifications = 0;
  const rows: string[][] = [];
  for (const [i, code] of codes.entries()) {
    const row = [String(i + 1), code.issuerName, code.scenario, maskName(code.holder.name), source(code.source)];
    for (const gateway of gateways) {
      if (gateway.id === code.issuerId) {
        row.push('·');
        continue;
      }
      verifications++;
      const actual = await verifyAt(gateway, code.jws);
      row.push(tally.cell(`#${i + 1} verified at ${gateway.id}`, actual, code.expect.verify, code.mark ?? ''));
    }
    const scan = await scanAt(xinji!, code.jws, 36.5, code.holder.document);
    row.push(tally.cell(`#${i + 1} checkpoint`, scan, code.expect.checkpoint));
    rows.push(row);
  }
  const header = ['#', 'issued by', 'scenario', 'holder', 'source value', ...gateways.map((g) => `at ${g.name}`), 'checkpoint at 辛集市'];
  log('\nEach code verified at every other city (POST /v1/verify; · = the issuing city itself) and scanned at');
  log('the Xinji checkpoint (POST /v1/checkpoint/scans, 36.5 °C, the holder\'s own ID):\n');
  log(renderTable(header, rows));

  const at = (issuerId: string, value: string | number): [number, DemoCode] => {
    const index = codes.findIndex((c) => c.issuerId === issuerId && c.source === value && !c.mark);
    return [index + 1, codes[index]!];
  };
  const extra: Array<{ code: [number, DemoCode]; temperatureC: number; documentLabel: string; document: DemoCode['holder']['document']; expect: string }> = [
    { code: at('beijing', '未见异常'), temperatureC: 38.1, documentLabel: 'own ID', document: PEOPLE.beijing.document, expect: 'deny: fever' },
    { code: at('xinji', 'green'), temperatureC: 37.3, documentLabel: 'own ID', document: PEOPLE.xinjiGreen.document, expect: 'deny: fever' },
    { code: at('hangzhou', 2), temperatureC: 36.5, documentLabel: `${maskName(PEOPLE.xinjiYellow.name)}'s ID`, document: PEOPLE.xinjiYellow.document, expect: 'deny: document_mismatch' },
  ];
  const extraRows: string[][] = [];
  for (const scan of extra) {
    const [n, code] = scan.code;
    const actual = await scanAt(xinji!, code.jws, scan.temperatureC, scan.document);
    extraRows.push([`#${n} ${code.issuerName} ${source(code.source)} (${maskName(code.holder.name)})`, `${scan.temperatureC} °C`, scan.documentLabel, tally.cell(`extra scan of #${n}`, actual, scan.expect)]);
  }
  log('\nMore scans at the Xinji checkpoint (fever from 37.3 °C; the document must be the one the code was issued for):\n');
  log(renderTable(['code', 'temperature', 'document shown', 'decision'], extraRows));

  const status = await expectJson<CredentialStatusList>(200, 'GET', xinji!.url + STATUS_PATH);
  const entry = status.entries.find((e) => e.jti === fromXinji.supersededJti);
  const listed = tally.cell('status list entry of the superseded code', entry?.status ?? 'not listed', 'superseded');
  log(`\n† Xinji's own records refuse it, and the other cities, verifying Xinji codes offline, learn it from`);
  log(`  Xinji's status list: ${STATUS_PATH} says: ${listed}.`);
  log(`  Here they first read the list after the risk event; a city holding an older copy refuses the`);
  log(`  code at its next refresh, within 30 s (the list's max-age).`);

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const cities = new Set(codes.map((c) => c.issuerId)).size;
  if (tally.failed.length === 0) {
    log(`\nOK: all ${tally.checked} outcomes as expected — ${codes.length} codes from ${cities} cities, ${verifications} cross-city verifications, ${codes.length + extra.length} checkpoint scans, in ${seconds} s.`);
    return true;
  }
  log(`\nFAILED: ${tally.failed.length} of ${tally.checked} outcomes not as expected (${seconds} s):`);
  for (const f of tally.failed) log(`  ✗ ${f}`);
  return false;
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'hcg-demo-'));
  const riskFeedToken = randomBytes(24).toString('base64url');
  const federation = new Federation(root, [BEIJING, HANGZHOU], riskFeedToken, (line) => log(`  ${line}`));
  process.on('exit', () => federation.killNow());
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      log(`\n${signal}: shutting the demo down`);
      void federation.stop().finally(() => process.exit(status));
    });
  }
  try {
    return (await run(federation, riskFeedToken, startedAt)) ? 0 : 1;
  } catch (error) {
    log(`\nFAILED: ${(error as Error).message}`);
    log(`\nRecent gateway output:\n${federation.outputs()}`);
    return 1;
  } finally {
    await federation.stop();
  }
}

process.exit(await main());
