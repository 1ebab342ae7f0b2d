// Deep imports: the package root re-exports every format (1D, PDF417, Aztec …) and has no
// sideEffects flag, so importing it would bundle all of them; the QR reader alone is a third.
import BinaryBitmap from '@zxing/library/esm/core/BinaryBitmap.js';
import HybridBinarizer from '@zxing/library/esm/core/common/HybridBinarizer.js';
import QRCodeReader from '@zxing/library/esm/core/qrcode/QRCodeReader.js';
import RGBLuminanceSource from '@zxing/library/esm/core/RGBLuminanceSource.js';

/**
 * 扫码: the camera's frames are decoded in the page with ZXing's QR reader (@zxing/library, pure
 * TypeScript, bundled and served by the gateway: no wasm, nothing fetched from elsewhere).
 */
export interface Scan {
  stop(): void;
}

function decodeAt(video: HTMLVideoElement, canvas: HTMLCanvasElement, reader: QRCodeReader, width: number, height: number): string | undefined {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return undefined;
  ctx.drawImage(video, 0, 0, width, height);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const luminance = new Uint8ClampedArray(width * height);
  for (let i = 0, p = 0; i < luminance.length; i++, p += 4) {
    luminance[i] = (rgba[p]! * 299 + rgba[p + 1]! * 587 + rgba[p + 2]! * 114) / 1000;
  }
  try {
    return reader.decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)))).getText();
  } catch {
    return undefined; // No code in this frame (ZXing throws NotFound/Checksum/Format): try the next.
  }
}

/**
 * One frame, at half size and then at full size. ZXing's finder-pattern search misses some dense
 * codes (version 18, the size of a health code) at one scale and finds them at the other — on a
 * perfectly sharp image too, where the next frame is no different — so both are tried.
 */
function decodeFrame(video: HTMLVideoElement, canvas: HTMLCanvasElement, reader: QRCodeReader): string | undefined {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (!width || !height) return undefined;
  return decodeAt(video, canvas, reader, Math.round(width / 2), Math.round(height / 2)) ?? decodeAt(video, canvas, reader, width, height);
}

/** Opens the camera into `video` and calls `onText` once with the first code decoded. */
export async function startScan(video: HTMLVideoElement, onText: (text: string) => void): Promise<Scan> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  await video.play();
  const canvas = document.createElement('canvas');
  const reader = new QRCodeReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const look = (): void => {
    const text = decodeFrame(video, canvas, reader);
    if (text) {
      stop();
      onText(text);
    } else {
      timer = setTimeout(look, 150);
    }
  };
  look();
  return { stop };
}
