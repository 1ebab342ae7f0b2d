import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable } from '../demo/table.js';
import { createBinding, type BindingMethod } from '../gateway/identity/binding.js';
import { maskDocumentNumber, maskName } from '../gateway/identity/documents.js';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { generateKeyFile, Keystore, publicJwkOf, writeKeyFile } from '../gateway/issuer/keystore.js';
import { qrSegments, segmentsText } from '../gateway/issuer/qr-segments.js';
import { signCredential, type CodeFormat } from '../gateway/issuer/sign-credential.js';
import type { SubjectRecord } from '../gateway/store/store.js';
import { STATUS_LIST_SIZE } from '../gateway/status-list/allocate-index.js';
import { tokenStatusListUri } from '../gateway/status-list/own-status-list.js';
import { residentDeclaration } from './setup.js';
import { qrMatrix, scan, scanZxingJs, seeded, type Degradation, type QrSegments } from './qr-image.js';

/**
 * `npm run bench -- --only=qr`: real Xinji codes, signed by the gateway's own signer with a
 * generated key, in every code format the gateway can issue, drawn as the pages draw them
 * (error correction M) and read back by the checkpoint page's decoder (zxing-cpp; ZXing's
 * JavaScript port with --qr-reader=zxing-js) from degraded renders (bench/qr-image.ts) at 4.0 to
 * 1.2 pixels per module, and at a fixed width for the whole code. Reports each format's length, QR version and modules, and the
 * share of codes decoded at each scale: the figures behind docs/credential.md's "size" section.
 * Every code carries its Token Status List claim (draft-ietf-oauth-status-list §6.1) with the
 * gateway's own list URI under the issuer URL and an index drawn at random from the whole list, as
 * code-issuer.ts signs them: a 7-digit index is what most codes get.
 */

/**
 * What is compared: the first layout and drawing, the drawing alone changed, layout 2, and layout 3
 * with the binding of a subject declared before s2 (s1, kept) and of one declared now (s2).
 */
const VARIANTS: ReadonlyArray<{ label: string; format: CodeFormat; fullKid: boolean; binding: BindingMethod; draw: (jws: string) => QrSegments }> = [
  { label: 'layout 1, byte mode (before)', format: 'v1', fullKid: true, binding: 's1', draw: (jws) => [{ data: new TextEncoder().encode(jws), mode: 'byte' }] },
  { label: 'layout 1, numeric mode', format: 'v1', fullKid: true, binding: 's1', draw: qrSegments },
  { label: 'layout 2, numeric mode', format: 'v2', fullKid: false, binding: 's1', draw: qrSegments },
  { label: 'layout 3, s1 binding (subject declared before s2)', format: 'v3', fullKid: false, binding: 's1', draw: qrSegments },
  { label: 'layout 3, s2 binding (now)', format: 'v3', fullKid: false, binding: 's2', draw: qrSegments },
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
  binding: BindingMethod;
  meanChars: number;
  maxChars: number;
  maxVersion: number;
  modules: number;
  decoded: Record<string, number>;
}

/**
 * Where the scanner's pixels come from: a fixed number per module (as the issue measures: the same
 * module size whatever the version), or a fixed width for the whole code with its quiet zone (a
 * phone held at one distance from the scanner: a smaller version gets larger modules).
 */
const CONDITIONS: ReadonlyArray<{ label: string; pxPerModule: (size: number) => number; frames?: number; wholeFrameOnly?: boolean }> = [
  { label: '4.0 px/module', pxPerModule: () => 4.0 },
  { label: '3.0 px/module', pxPerModule: () => 3.0 },
  { label: '2.0 px/module', pxPerModule: () => 2.0 },
  // The page's first step alone (the whole frame, no enlarged centre): what the second step adds.
  { label: '1.5 px/module, whole frame only', pxPerModule: () => 1.5, wholeFrameOnly: true },
  { label: '1.5 px/module', pxPerModule: () => 1.5 },
  // The page looks at a frame every 150 ms, and a hand-held phone lands the grid at another
  // sub-pixel phase in each: read within 3 frames (0.45 s), each its own draw. Not the first try.
  { label: '1.5 px/module within 3 frames', pxPerModule: () => 1.5, frames: 3 },
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

type Person = Record<BindingMethod, SubjectRecord>;

/** Each person twice: with an s1 binding (declared before s2) and with an s2 binding (declared now). */
async function subjects(count: number): Promise<Person[]> {
  const out: Person[] = [];
  for (let i = 0; i < count; i++) {
    const applicant = residentDeclaration(i * 7919)['applicant'] as { name: string; document: { type: 'resident_id'; number: string } };
    const record = (binding: string): SubjectRecord => ({
      id: `sub_${i}`,
      documentType: 'resident_id',
      documentKey: '',
      identityKey: '',
      nameMasked: maskName(applicant.name),
      documentMasked: maskDocumentNumber(applicant.document.number),
      binding,
      holderTokenHash: '',
      declaration: {} as SubjectRecord['declaration'],
      declaredAt: 0,
      modifiedDay: null,
      createdAt: 0,
    });
    // The production cost (logN 15): its digits are part of the code's length.
    out.push({ s1: record(await createBinding(applicant.document, 15, 's1')), s2: record(await createBinding(applicant.document, 15, 's2')) });
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
    const listUri = tokenStatusListUri(options.issuer);
    const indexOf = seeded(4242);
    for (const { label, format, fullKid, binding, draw } of VARIANTS) {
      const keystore = fullKid ? keystores.full : keystores.short;
      const decoded: Record<string, number> = {};
      let chars = 0;
      let maxChars = 0;
      let maxVersion = 0;
      let modules = 0;
      const drawn: QrSegments[] = [];
      for (const [i, person] of people.entries()) {
        const status = { idx: Math.floor(indexOf() * STATUS_LIST_SIZE), uri: listUri };
        const code = await signCredential(person[binding], 'green', keystore, { issuer: options.issuer, region: '130181', ttlSeconds: 900, now: now + i * 1000, format, status });
        const segments = draw(code.jws);
        const matrix = qrMatrix(segments);
        chars += code.jws.length;
        maxChars = Math.max(maxChars, code.jws.length);
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
          for (let frame = 0; frame < (condition.frames ?? 1); frame++) {
            // Frame 0 is the first try, the same draw as the single-frame rows.
            if ((await read(segments, degradation(px, i + 100_000 * frame), 1000 + i + 100_000 * frame, condition.wholeFrameOnly)) === segmentsText(segments)) {
              ok++;
              break;
            }
          }
        }
        decoded[condition.label] = ok / drawn.length;
      }
      figures.push({ label, format, binding, meanChars: chars / drawn.length, maxChars, maxVersion, modules, decoded });
    }
    const table = renderTable(
      ['code', 'JWS chars (mean / max)', 'QR version (M, largest)', 'modules', ...CONDITIONS.map((c) => `decoded, ${c.label}`)],
      figures.map((f) => [f.label, `${f.meanChars.toFixed(0)} / ${f.maxChars}`, String(f.maxVersion), `${f.modules}×${f.modules}`, ...CONDITIONS.map((c) => `${(100 * f.decoded[c.label]!).toFixed(0)} %`)]),
    );
    const lines = [`QR legibility — ${options.codes} real codes per format (issuer ${options.issuer}, each with its status claim for ${listUri}), ${options.reader === 'zxing-js' ? "ZXing's JavaScript port (the page's reader before)" : 'zxing-cpp (the checkpoint page\'s decoder)'} on renders blurred (σ 0.4 px), noisy (σ 8 grey levels), contrast 30–225:`, table];
    return { figures, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
