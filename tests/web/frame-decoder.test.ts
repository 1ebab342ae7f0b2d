import { cameraFrame, loadZxingCpp } from '../../bench/qr-image.js';
import { qrSegments, segmentsText } from '../../gateway/issuer/qr-segments.js';
import { decodeFrame, enlargeCentre, readWithPageOptions, type Frame } from '../../web/src/checkpoint/frame-decoder.js';
import { createTestGateway, exampleDeclaration } from '../helpers/test-gateway.js';
import { declared } from '../issuer/issuer-helpers.js';

/**
 * The checkpoint page's steps for one camera frame (web/src/checkpoint/frame-decoder.ts), with the
 * page's decoder (zxing-cpp, the same .wasm the page fetches) on a real code drawn as a phone held
 * a little too far shows it: 1.5 pixels per module, blurred, noisy, washed out (bench/qr-image.ts).
 */

let code: string;
const reads: Frame[] = [];
/** The page's read, recording each frame it is given. */
async function read(frame: Frame): Promise<string | undefined> {
  reads.push(frame);
  return readWithPageOptions(frame);
}

beforeAll(async () => {
  await loadZxingCpp();
  const gw = await createTestGateway();
  try {
    code = (await declared(gw, exampleDeclaration())).jws;
  } finally {
    await gw.close();
  }
}, 30_000);

const tired = (phase: number) => ({ pxPerModule: 1.5, blurPx: 0.4, noise: 8, rotationDeg: 0, phaseX: phase, phaseY: (phase * 7) % 1, dark: 30, light: 225 });

test('a code at 1.5 px per module that a read of the whole frame misses is read from the enlarged centre of the same frame', async () => {
  const segments = qrSegments(code);
  // The grid's sub-pixel phase decides whether the whole-frame read works; take the first draw it misses.
  let missed: Frame | undefined;
  for (let draw = 0; draw < 40 && !missed; draw++) {
    const frame = cameraFrame(segments, tired(draw / 40), 1000 + draw);
    if ((await read(frame)) === undefined) missed = frame;
  }
  expect(missed).toBeDefined();
  reads.length = 0;
  expect(await decodeFrame(missed!, read)).toBe(segmentsText(segments));
  // Two reads: the whole frame, then its centre (half the 600 px side) enlarged 4×.
  expect(reads.map((f) => [f.width, f.height])).toEqual([[800, 600], [1200, 1200]]);
}, 60_000);

test('a frame the whole-frame read decodes is not read a second time', async () => {
  const segments = qrSegments(code);
  reads.length = 0;
  const frame = cameraFrame(segments, { ...tired(0), pxPerModule: 3 }, 7);
  expect(await decodeFrame(frame, read)).toBe(segmentsText(segments));
  expect(reads).toHaveLength(1);
});

test('a frame without a code gives no text after both reads', async () => {
  const frame: Frame = { width: 640, height: 480, data: new Uint8ClampedArray(640 * 480 * 4).fill(180) };
  reads.length = 0;
  expect(await decodeFrame(frame, read)).toBeUndefined();
  expect(reads).toHaveLength(2);
});

test('the enlarged centre keeps each source pixel at the centre of its 4×4 block, and grey comes from the BT.601 luminance', () => {
  // 8×8 frame; the 4×4 centre (x, y from 2 to 5) holds a checkerboard of pure red (luminance 76) and white.
  const data = new Uint8ClampedArray(8 * 8 * 4).fill(0);
  for (let y = 2; y < 6; y++) {
    for (let x = 2; x < 6; x++) {
      const i = 4 * (y * 8 + x);
      const white = (x + y) % 2 === 0;
      data.set(white ? [255, 255, 255, 255] : [255, 0, 0, 255], i);
    }
  }
  const big = enlargeCentre({ width: 8, height: 8, data }, 4, 4);
  expect([big.width, big.height]).toEqual([16, 16]);
  const grey = (x: number, y: number): number => big.data[4 * (y * 16 + x)]!;
  // Output pixels 0 and 15 sit on the first and last source pixels (clamped edges).
  expect(grey(0, 0)).toBe(255); // source (2,2): white
  expect(grey(15, 0)).toBe(76); // source (5,2): red, 0.299 × 255
  expect(grey(15, 15)).toBe(255); // source (5,5): white
  // Between two source pixels the value is interpolated, never a copy of one of them.
  expect(grey(2, 0)).toBeGreaterThan(76);
  expect(grey(2, 0)).toBeLessThan(255);
  expect(big.data[3]).toBe(255);
});
