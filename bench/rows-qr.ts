import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable } from '../demo/table.js';
import { createBinding } from '../gateway/identity/binding.js';
import { maskDocumentNumber, maskName } from '../gateway/identity/documents.js';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { generateKeyFile, Keystore, publicJwkOf, writeKeyFile } from '../gateway/issuer/keystore.js';
import { qrSegments, segmentsText } from '../gateway/issuer/qr-segments.js';
import { signCredential, type CodeFormat } from '../gateway/issuer/sign-credential.js';
import type { SubjectRecord } from '../gateway/store/store.js';
import { residentDeclaration } from './setup.js';
import { qrMatrix, scan, scanZxingJs, seeded, type Degradation, type QrSegments } from './qr-image.js';

/**
 * `npm run bench -- --only=qr`: real Xinji codes, signed by the gateway's own signer with a
 * generated key, in every code format the gateway can issue, drawn as the pages draw them
 * (error correction M) and read back by the checkpoint page's decoder (zxing-cpp; ZXing's
 * JavaScript port with --qr-reader=zxing-js) from degraded renders (bench/qr-image.ts) at 4.0 to
 * 1.2 pixels per module, and at a fixed width for the whole code. Reports each format's length, QR version and modules, and the
 * share of codes decoded at each scale: the figures behind docs/credential.md's "size" section.
 */

/** What is compared: today's layout and drawing, the drawing alone changed, and both changed. */
const VARIANTS: ReadonlyArray<{ label: string; format: CodeFormat; fullKid: boolean; draw: (jws: string) => QrSegments }> = [
  { label: 'v1 layout, byte mode (before)', format: 'v1', fullKid: true, draw: (jws) => [{ data: new TextEncoder().encode(jws), mode: 'byte' }] },
  { label: 'v1 layout, numeric mode', format: 'v1', fullKid: true, draw: qrSegments },
  { label: 'v2 layout, numeric mode (now)', format: 'v2', fullKid: false, draw: qrSegments },
];

/** A keystore with one active ES256 key, named by its full RFC 7638 thumbprint (keys made before short kids) or by the short kid. */
async function keystoreIn(dir: string, now: number, fullKid: boolean): Promise<Keystore> {
  const { kid, file } = await generateKeyFile('ES256', 'active', now);
  const name = fullKid ? await calculateJwkThumbprint(await publicJwkOf(file.privateJwk as JWK)) : kid;
  writeKeyFile(dir, name, file);
  return Keystore.load(dir, 3_600_000);
}

export interface QrFormatFigures {
  label: string;
  format: CodeFormat;
  meanChars: number;
  maxVersion: number;
  modules: number;
  decoded: Record<string, number>;
}

/**
 * Where the scanner's pixels come from: a fixed number per module (as the issue measures: the same
 * module size whatever the version), or a fixed width for the whole code with its quiet zone (a
 * phone held at one distance from the scanner: a smaller version gets larger modules).
 */
const CONDITIONS: ReadonlyArray<{ label: string; pxPerModule: (size: number) => number }> = [
  { label: '4.0 px/module', pxPerModule: () => 4.0 },
  { label: '3.0 px/module', pxPerModule: () => 3.0 },
  { label: '2.0 px/module', pxPerModule: () => 2.0 },
  { label: '1.5 px/module', pxPerModule: () => 1.5 },
  { label: '1.2 px/module', pxPerModule: () => 1.2 },
  { label: 'code 330 px wide', pxPerModule: (size) => 330 / (size + 8) },
]

/** A phone screen through a screen protector in daylight: soft focus, sensor noise, washed-out contrast. */
function degradation(pxPerModule: number, trial: number): Degradation {
  // The grid's phase on the sensor differs from shot to shot; at 1–2 px per module it decides
  // whether a module lands on one pixel or smears over two, so each trial draws its own.
  const random = seeded(7000 + trial);
  return { pxPerModule, blurPx: 0.4, noise: 8, rotationDeg: 0, phaseX: random(), phaseY: random(), dark: 30, light: 225 };
}

async function subjects(count: number): Promise<SubjectRecord[]> {
  const out: SubjectRecord[] = [];
  for (let i = 0; i < count; i++) {
    const applicant = residentDeclaration(i * 7919)['applicant'] as { name: string; document: { type: 'resident_id'; number: string } };
    out.push({
      id: `sub_${i}`,
      documentType: 'resident_id',
      documentKey: '',
      identityKey: '',
      nameMasked: maskName(applicant.name),
      documentMasked: maskDocumentNumber(applicant.document.number),
      // The production cost (logN 15): its digits are part of the code's length.
      binding: await createBinding(applicant.document, 15),
      holderTokenHash: '',
      declaration: {} as SubjectRecord['declaration'],
      declaredAt: 0,
      modifiedDay: null,
      createdAt: 0,
    });
  }
  return out;
}

export async function qrLegibility(options: { codes: number; issuer: string; reader?: 'zxing-cpp' | 'zxing-js' }): Promise<{ figures: QrFormatFigures[]; lines: string[] }> {
  const read = options.reader === 'zxing-js' ? scanZxingJs : scan;
  const dir = mkdtempSync(join(tmpdir(), 'hcg-bench-qr-'));
  try {
    const now = Date.UTC(2026, 11, 7, 8, 0, 0);
    const keystores = { full: await keystoreIn(join(dir, 'full'), now, true), short: await keystoreIn(join(dir, 'short'), now, false) };
    const people = await subjects(options.codes);
    const figures: QrFormatFigures[] = [];
    for (const { label, format, fullKid, draw } of VARIANTS) {
      const keystore = fullKid ? keystores.full : keystores.short;
      const decoded: Record<string, number> = {};
      let chars = 0;
      let maxVersion = 0;
      let modules = 0;
      const drawn: QrSegments[] = [];
      for (const [i, subject] of people.entries()) {
        const code = await signCredential(subject, 'green', keystore, { issuer: options.issuer, region: '130181', ttlSeconds: 900, now: now + i * 1000, format });
        const segments = draw(code.jws);
        const matrix = qrMatrix(segments);
        chars += code.jws.length;
        if (matrix.version > maxVersion) {
          maxVersion = matrix.version;
          modules = matrix.size;
        }
        drawn.push(segments);
      }
      for (const condition of CONDITIONS) {
        let ok = 0;
        for (const [i, segments] of drawn.entries()) {
          const px = condition.pxPerModule(qrMatrix(segments).size);
          if ((await read(segments, degradation(px, i), 1000 + i)) === segmentsText(segments)) ok++;
        }
        decoded[condition.label] = ok / drawn.length;
      }
      figures.push({ label, format, meanChars: chars / drawn.length, maxVersion, modules, decoded });
    }
    const table = renderTable(
      ['code', 'JWS chars', 'QR version (M)', 'modules', ...CONDITIONS.map((c) => `decoded, ${c.label}`)],
      figures.map((f) => [f.label, f.meanChars.toFixed(0), String(f.maxVersion), `${f.modules}×${f.modules}`, ...CONDITIONS.map((c) => `${(100 * f.decoded[c.label]!).toFixed(0)} %`)]),
    );
    const lines = [`QR legibility — ${options.codes} real codes per format (issuer ${options.issuer}), ${options.reader === 'zxing-js' ? "ZXing's JavaScript port (the page's reader before)" : 'zxing-cpp (the checkpoint page\'s decoder)'} on renders blurred (σ 0.4 px), noisy (σ 8 grey levels), contrast 30–225:`, table];
    return { figures, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
