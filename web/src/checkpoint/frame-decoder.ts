/**
 * How the checkpoint page reads one camera frame. DOM-free, so the bench (bench/qr-image.ts) and
 * the tests run exactly the page's steps on their own renders.
 *
 * 1. The whole frame, as the camera gives it.
 * 2. Only when that finds no code: the centre of the frame (where the officer aims, and where the
 *    page's video is centred), enlarged 4× with bilinear interpolation, read again.
 *
 * Why step 2: a phone screen held a little too far gives 1.5 pixels per QR module or fewer. At
 * that scale the module grid falls across pixel edges, and zxing-cpp's binarizer, which works in
 * whole pixels, misses the code in about half of the frames (docs/performance.md, "The code's
 * QR"). Interpolated to 6 pixels per module, the same frames read at the first try: 99.6 % of 500
 * draws, against 53.4 % for the whole frame alone. 4× was chosen over 2× and 3×, which read 73 %
 * and 93 % in a first scratch of 60. The centre is bounded to CENTRE_MAX_PX, so step 2 costs the
 * same on any camera: on a 1280×720 frame in Node on the 2-core bench machine, 17 ms to enlarge and
 * 7 ms to read, against 3.5 ms for step 1, well inside the page's 150 ms between frames.
 */

import { readBarcodes } from 'zxing-wasm/reader';
import { READER_OPTIONS } from './reader-options.js';

/** RGBA pixels, row by row: what a canvas's getImageData returns. */
export interface Frame {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** The decoder with the page's options: the valid texts it finds in a frame, or none. */
export type ReadFrame = (frame: Frame) => Promise<string | undefined>;

/**
 * One read with the page's decoder and options (zxing-cpp; its module must have been prepared:
 * camera.ts in the page, bench/qr-image.ts in Node). zxing-wasm takes any { width, height, data }
 * as image data (its own duck typing), so an enlarged centre needs no ImageData. isValid: error
 * correction succeeded (a code read with errors is never returned as text).
 */
export async function readWithPageOptions(frame: Frame): Promise<string | undefined> {
  const results = await readBarcodes(frame as unknown as Parameters<typeof readBarcodes>[0], READER_OPTIONS);
  return results.find((result) => result.isValid && result.text)?.text;
}

/** Share of the frame's shorter side that the centre square covers, and its bound in pixels. */
export const CENTRE_SHARE = 0.5;
export const CENTRE_MAX_PX = 320;
export const UPSCALE = 4;

export async function decodeFrame(frame: Frame, read: ReadFrame): Promise<string | undefined> {
  const whole = await read(frame);
  if (whole !== undefined) return whole;
  const side = Math.min(CENTRE_MAX_PX, Math.floor(Math.min(frame.width, frame.height) * CENTRE_SHARE));
  if (side < 16) return undefined;
  return read(enlargeCentre(frame, side, UPSCALE));
}

/**
 * The centre `side`×`side` square of `frame`, enlarged `factor`× by bilinear interpolation of its
 * luminance (ITU-R BT.601 weights; the decoder reads luminance only), as an opaque grey frame.
 */
export function enlargeCentre(frame: Frame, side: number, factor: number): Frame {
  const { width, height, data } = frame;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const grey = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = 4 * ((top + y) * width + left + x);
      grey[y * side + x] = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
    }
  }
  const out = Math.round(side * factor);
  const pixels = new Uint8ClampedArray(out * out * 4);
  // Source coordinates of each output pixel's centre, and its two neighbours' weights, per axis.
  const axis = Array.from({ length: out }, (_, o) => {
    const s = Math.min(side - 1, Math.max(0, (o + 0.5) / factor - 0.5));
    const lo = Math.floor(s);
    return { lo, hi: Math.min(side - 1, lo + 1), w: s - lo };
  });
  for (let y = 0; y < out; y++) {
    const { lo: y0, hi: y1, w: wy } = axis[y]!;
    for (let x = 0; x < out; x++) {
      const { lo: x0, hi: x1, w: wx } = axis[x]!;
      const upper = grey[y0 * side + x0]! * (1 - wx) + grey[y0 * side + x1]! * wx;
      const lower = grey[y1 * side + x0]! * (1 - wx) + grey[y1 * side + x1]! * wx;
      const i = 4 * (y * out + x);
      pixels[i] = pixels[i + 1] = pixels[i + 2] = upper * (1 - wy) + lower * wy;
      pixels[i + 3] = 255;
    }
  }
  return { width: out, height: out, data: pixels };
}
