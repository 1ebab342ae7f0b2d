import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';

export interface DirectoryWatch {
  close(): void;
}

export interface DirectoryWatchOptions {
  logger: Logger;
  /** What is watched and what still works without the watch, for the log line (`PARTNERS_DIR`, …). */
  what: string;
  fallback: string;
  /** Changes are gathered this long after the last one before one call (a Secret update touches several entries). */
  debounceMs?: number;
  /**
   * The longest a change waits for its call while changes keep coming: a directory written to
   * without pause (a log or a sync tool beside the files) must not postpone the reload forever.
   */
  maxWaitMs?: number;
}

/**
 * Calls `onChange` once a burst of changes in `dir` has settled (`debounceMs`), or `maxWaitMs`
 * after the first change of a burst that does not settle. A file written in place, added or
 * removed is reported on the directory; so is a mounted Kubernetes ConfigMap or Secret update,
 * which the kubelet makes by swapping the `..data` link (a rename in the directory) without
 * touching the files' own links. A directory that cannot be watched is logged: the caller's other
 * ways in (SIGHUP, an admin call) still work.
 */
export function watchDirectory(dir: string, onChange: () => void, options: DirectoryWatchOptions): DirectoryWatch {
  const { logger, what, fallback, debounceMs = 250, maxWaitMs = 10 * debounceMs } = options;
  let timer: NodeJS.Timeout | undefined;
  let firstChangeAt: number | undefined;
  let watcher: FSWatcher | undefined;
  const fire = (): void => {
    firstChangeAt = undefined;
    onChange();
  };
  try {
    watcher = watch(dir, { persistent: false }, () => {
      const now = performance.now();
      firstChangeAt ??= now;
      clearTimeout(timer);
      timer = setTimeout(fire, Math.max(0, Math.min(debounceMs, firstChangeAt + maxWaitMs - now))).unref();
    });
    watcher.on('error', (err) => logger.error({ err, dir }, `${what} watch failed; ${fallback}`));
  } catch (err) {
    logger.error({ err, dir }, `${what} cannot be watched; ${fallback}`);
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
