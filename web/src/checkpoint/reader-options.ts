import type { ReaderOptions } from 'zxing-wasm/reader';

/**
 * What the checkpoint page's decoder (zxing-cpp, camera.ts) looks for: QR codes only (the page
 * never reads another symbology), one per frame. zxing-cpp's defaults do the rest: tryHarder, and
 * tryDownscale, which also looks at a large frame at a smaller scale (the half-size pass the
 * JavaScript port needed to be given by hand). Apart from camera.ts (no DOM here) so the bench
 * (bench/qr-image.ts) reads its renders with exactly these options.
 */
export const READER_OPTIONS: ReaderOptions = { formats: ['QRCode'], maxNumberOfSymbols: 1 };
