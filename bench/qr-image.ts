import QRCode from 'qrcode';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { prepareZXingModule } from 'zxing-wasm/reader';
import { BinaryBitmap, HybridBinarizer, QRCodeReader, RGBLuminanceSource } from '@zxing/library';
import { decodeFrame, readWithPageOptions, type Frame } from '../web/src/checkpoint/frame-decoder.js';
import type { QrSegment } from '../gateway/issuer/qr-segments.js';

/**
 * A QR code as a tired checkpoint scanner sees it: drawn at a fractional number of pixels per
 * module (a phone screen photographed from a little too far), slightly turned, out of focus, with
 * sensor noise and the washed-out contrast of a screen protector in sunlight, placed in a camera
 * frame — then decoded as the checkpoint page decodes a frame (zxing-cpp as WebAssembly, with the
 * page's options and steps: web/src/checkpoint/frame-decoder.ts). ZXing's JavaScript port, the page's reader before, is kept for comparison.
 * Deterministic: every random draw comes from a seeded generator.
 */

export interface Degradation {
  /** Pixels per module of the rendered image (2.0, 1.5, 1.2 in the bench). */
  pxPerModule: number;
  /** Standard deviation of the Gaussian blur, in pixels. */
  blurPx: number;
  /** Standard deviation of the additive Gaussian noise, in grey levels (0–255). */
  noise: number;
  /** Rotation, in degrees. */
  rotationDeg: number;
  /** Where the module grid falls on the sensor's pixels, as a fraction of a pixel (0–1) each way. */
  phaseX: number;
  phaseY: number;
  /** Grey level of a dark and of a light module (contrast lost to glare). */
  dark: number;
  light: number;
}

/** What the QR text is made of: today's byte-mode JWS, or `shc:/` + digit pairs in numeric mode. */
export type QrSegments = QrSegment[];

const QUIET_ZONE = 4; // modules, ISO/IEC 18004 §6.3.8
const SUBSAMPLES = 3;

/** mulberry32: a small seeded generator, enough for noise that must repeat from run to run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function qrMatrix(segments: QrSegments): { version: number; size: number; dark: (x: number, y: number) => boolean } {
  const qr = QRCode.create(segments, { errorCorrectionLevel: 'M' });
  const { size, data } = qr.modules;
  return { version: qr.version, size, dark: (x, y) => x >= 0 && y >= 0 && x < size && y < size && data[y * size + x] === 1 };
}

function render(matrix: ReturnType<typeof qrMatrix>, d: Degradation): { width: number; pixels: Float32Array } {
  const modules = matrix.size + 2 * QUIET_ZONE;
  const width = Math.ceil(modules * d.pxPerModule);
  const pixels = new Float32Array(width * width);
  const angle = (d.rotationDeg * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const centre = width / 2;
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      let darkShare = 0;
      for (let sy = 0; sy < SUBSAMPLES; sy++) {
        for (let sx = 0; sx < SUBSAMPLES; sx++) {
          const px = x + (sx + 0.5) / SUBSAMPLES - centre + d.phaseX;
          const py = y + (sy + 0.5) / SUBSAMPLES - centre + d.phaseY;
          // Inverse rotation: where in the code this sensor point looks.
          const u = (cos * px + sin * py + centre) / d.pxPerModule - QUIET_ZONE;
          const v = (-sin * px + cos * py + centre) / d.pxPerModule - QUIET_ZONE;
          if (matrix.dark(Math.floor(u), Math.floor(v))) darkShare++;
        }
      }
      const share = darkShare / (SUBSAMPLES * SUBSAMPLES);
      pixels[y * width + x] = d.light + (d.dark - d.light) * share;
    }
  }
  return { width, pixels };
}

function blur(pixels: Float32Array, width: number, sigma: number): Float32Array {
  if (sigma <= 0) return pixels;
  const radius = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = kernel.reduce((a, b) => a + b, 0);
  const k = kernel.map((w) => w / sum);
  const pass = (src: Float32Array, dx: number, dy: number): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < width; y++) {
      for (let x = 0; x < width; x++) {
        let acc = 0;
        for (let i = -radius; i <= radius; i++) {
          const xx = Math.min(width - 1, Math.max(0, x + i * dx));
          const yy = Math.min(width - 1, Math.max(0, y + i * dy));
          acc += k[i + radius]! * src[yy * width + xx]!;
        }
        out[y * width + x] = acc;
      }
    }
    return out;
  };
  return pass(pass(pixels, 1, 0), 0, 1);
}

function addNoise(pixels: Float32Array, sigma: number, random: () => number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    // Box–Muller: a normal draw from two uniform ones.
    const n = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    out[i] = pixels[i]! + sigma * n;
  }
  return out;
}

/** The degraded image: `width`×`width` grey levels, row by row. */
export function degradedImage(segments: QrSegments, d: Degradation, seed: number): { width: number; luminance: Uint8ClampedArray } {
  const { width, pixels } = render(qrMatrix(segments), d);
  return { width, luminance: addNoise(blur(pixels, width, d.blurPx), d.noise, seeded(seed)) };
}

let zxingCpp: Promise<unknown> | undefined;

/** The page's decoder in Node: the same .wasm the page fetches, read from the package, not a CDN (the bench and the tests). */
export function loadZxingCpp(): Promise<unknown> {
  zxingCpp ??= (() => {
    const wasm = readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'));
    return prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer }, fireImmediately: true });
  })();
  return zxingCpp;
}

/**
 * The degraded code as one frame of the officer's camera: 800×600 (larger if the code needs it),
 * the code near the centre where the officer aims it (off by up to 30 px each way, seeded), the
 * rest of the scene smooth shades of grey (a hand, a desk) with the same sensor noise as the code.
 * RGBA, as a canvas's getImageData gives the page.
 */
export function cameraFrame(segments: QrSegments, d: Degradation, seed: number): Frame {
  const { width: side, luminance } = degradedImage(segments, d, seed);
  const random = seeded(seed ^ 0x5eed);
  const width = Math.max(800, side + 80);
  const height = Math.max(600, side + 80);
  const left = Math.floor((width - side) / 2 + (random() - 0.5) * 60);
  const top = Math.floor((height - side) / 2 + (random() - 0.5) * 60);
  const scene = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) scene[y * width + x] = 150 + 40 * Math.sin(x / 53 + y / 97) * Math.cos(y / 71);
  }
  const noisy = addNoise(scene, d.noise, random);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inCode = x >= left && y >= top && x < left + side && y < top + side;
      const grey = inCode ? luminance[(y - top) * side + (x - left)]! : noisy[y * width + x]!;
      const i = 4 * (y * width + x);
      data[i] = data[i + 1] = data[i + 2] = grey;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

/**
 * The text the checkpoint page reads from one camera frame of the degraded code (its own steps,
 * web/src/checkpoint/frame-decoder.ts), or undefined. `wholeFrameOnly`: the first step alone, as
 * the page read before it enlarged the centre.
 */
export async function scan(segments: QrSegments, d: Degradation, seed: number, wholeFrameOnly = false): Promise<string | undefined> {
  await loadZxingCpp();
  const frame = cameraFrame(segments, d, seed);
  return wholeFrameOnly ? readWithPageOptions(frame) : decodeFrame(frame, readWithPageOptions);
}

/** The same frame read by ZXing's JavaScript port (@zxing/library), the page's reader before zxing-cpp, which read the whole frame only. */
export function scanZxingJs(segments: QrSegments, d: Degradation, seed: number): string | undefined {
  const { width, height, data } = cameraFrame(segments, d, seed);
  // The frame is grey: its red channel is its luminance, which is what this source takes.
  const luminance = new Uint8ClampedArray(width * height).map((_, i) => data[4 * i]!);
  try {
    return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)))).getText();
  } catch {
    return undefined; // NotFound / Checksum / Format: the scanner would try again.
  }
}
