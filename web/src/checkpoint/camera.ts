// The reader build only (no encoder): its .wasm is copied beside the page's script by web/build.mjs.
import { prepareZXingModule } from 'zxing-wasm/reader';
import { decodeFrame as decodeImage, readWithPageOptions } from './frame-decoder.js';

/**
 * 扫码: the camera's frames are decoded in the page by zxing-cpp compiled to WebAssembly
 * (zxing-wasm). It reads the dense codes a gate sees far better than the JavaScript port it
 * replaced (docs/performance.md, "The code's QR": 100 % against 12 % at 2 px per module). The
 * .wasm is served by the gateway from its own origin (/assets/zxing_reader.wasm) — never the
 * package's default CDN, which the page's CSP would refuse anyway (connect-src 'self'); compiling
 * it needs 'wasm-unsafe-eval' in this page's script-src (gateway/http/page-headers.ts), nothing more.
 */
export interface Scan {
  stop(): void;
}

/** The decoder could not be fetched or compiled (not the camera's fault: the page says which). */
export class DecoderUnavailable extends Error {
  override name = 'DecoderUnavailable';
}

let decoder: Promise<unknown> | undefined;

/** Fetches and compiles the decoder once per page; a failed load is tried again at the next 扫码. */
function loadDecoder(): Promise<unknown> {
  decoder ??= prepareZXingModule({
    overrides: {
      // Beside this script (web/build.mjs copies it there), so the page works under any prefix.
      locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? new URL(path, import.meta.url).href : prefix + path),
    },
    fireImmediately: true,
  }).catch((error: unknown) => {
    decoder = undefined;
    throw new DecoderUnavailable(String(error));
  });
  return decoder;
}

async function decodeFrame(video: HTMLVideoElement, canvas: HTMLCanvasElement): Promise<string | undefined> {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (!width || !height) return undefined;
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return undefined;
  ctx.drawImage(video, 0, 0, width, height);
  return decodeImage(ctx.getImageData(0, 0, width, height), readWithPageOptions);
}

/**
 * Opens the camera into `video` and calls `onText` once with the first code decoded. Rejects when
 * the camera cannot be opened or the decoder cannot be loaded (the page then says which).
 */
export async function startScan(video: HTMLVideoElement, onText: (text: string) => void): Promise<Scan> {
  const loading = loadDecoder();
  loading.catch(() => undefined); // Awaited below, after the camera; not an unhandled rejection meanwhile.
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  try {
    await loading;
    video.srcObject = stream;
    await video.play();
  } catch (error) {
    stop();
    throw error;
  }
  const canvas = document.createElement('canvas');
  const look = async (): Promise<void> => {
    const text = await decodeFrame(video, canvas).catch(() => undefined);
    // Stopped while the frame was being decoded (取消): nothing more is read or said.
    if (stopped) return;
    if (text) {
      stop();
      onText(text);
    } else {
      timer = setTimeout(() => void look(), 150);
    }
  };
  void look();
  return { stop };
}
