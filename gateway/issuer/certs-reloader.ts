import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PEPPER_FILE, readPepper } from './bootstrap-secrets.js';
import type { Keystore } from './keystore.js';
import { watchDirectory, type DirectoryWatch } from '../runtime/directory-watch.js';

export type CertsReloadOutcome = 'applied' | 'refused';

export interface CertsReloaderOptions {
  dir: string;
  keystore: Keystore;
  /** The pepper the gateway started with: it is never replaced while running. */
  pepper: Buffer;
  logger: Logger;
  onKeysReload?: (outcome: CertsReloadOutcome) => void;
  /** Whether the pepper file now differs from (or lacks) the pepper in use. */
  onPepperRefused?: (refused: boolean) => void;
  /** Changes are gathered this long before one reload (a Secret update touches several entries). */
  debounceMs?: number;
}

/**
 * Signing keys without restarts: on SIGHUP and when CERTS_DIR changes (a mounted Kubernetes Secret
 * is swapped atomically through its `..data` link, which inotify reports on the directory), the
 * key files are read again — a new `next` key is published, an activation signs with the new key,
 * a pruned key leaves the JWKS. A set that does not load keeps the keys in use.
 *
 * The document pepper is different: every stored document key is an HMAC under it, so a new pepper
 * would silently orphan them all. A changed or missing pepper file is refused loudly — an error
 * log and gateway_pepper_rotation_refused = 1 until the file is put back — and the gateway keeps
 * the pepper it started with.
 */
export class CertsReloader {
  private watcher: DirectoryWatch | undefined;
  private running: Promise<CertsReloadOutcome> | undefined;
  private again = false;

  constructor(private readonly options: CertsReloaderOptions) {}

  /** One reload now (SIGHUP); concurrent calls share the run in progress, then run once more. */
  reload(): Promise<CertsReloadOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.reload();
      }
    });
    return this.running;
  }

  /** Watches CERTS_DIR; a directory that cannot be watched is logged, and SIGHUP still works. */
  watch(): void {
    const { dir, logger, debounceMs } = this.options;
    this.watcher = watchDirectory(dir, () => void this.reload(), { logger, what: 'CERTS_DIR', fallback: 'keys are reloaded on SIGHUP only', ...(debounceMs === undefined ? {} : { debounceMs }) });
  }

  close(): void {
    this.watcher?.close();
  }

  private async run(): Promise<CertsReloadOutcome> {
    const { dir, keystore, logger } = this.options;
    this.checkPepper();
    const before = JSON.stringify(keystore.summary());
    try {
      await keystore.reload();
    } catch (err) {
      logger.error({ err }, 'signing keys reload refused; the keys in use stay');
      this.options.onKeysReload?.('refused');
      return 'refused';
    }
    const keys = keystore.summary();
    if (JSON.stringify(keys) !== before) logger.info({ dir, keys }, 'signing keys reloaded');
    this.options.onKeysReload?.('applied');
    return 'applied';
  }

  private checkPepper(): void {
    const { dir, pepper, logger } = this.options;
    const path = join(dir, PEPPER_FILE);
    let refused: boolean;
    try {
      refused = !existsSync(path) || !readPepper(path).equals(pepper);
    } catch {
      refused = true;
    }
    if (refused) {
      logger.error(
        { file: PEPPER_FILE },
        'the document pepper in CERTS_DIR changed or is missing: refused, the gateway keeps the pepper it started with (a new pepper orphans every stored document; put the old file back)',
      );
    }
    this.options.onPepperRefused?.(refused);
  }
}
