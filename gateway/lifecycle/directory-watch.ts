import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';

export interface DirectoryWatch {
  close(): void;
}

/**
 * Calls `onChange` once a burst of changes in `dir` has settled (`debounceMs`). A file written
 * in place, added or removed is reported on the directory; so is a mounted Kubernetes ConfigMap or
 * Secret update, which the kubelet makes by swapping the `..data` link (a rename in the directory)
 * without touching the files' own links. A directory that cannot be watched is logged: the caller's
 * other ways in (SIGHUP, an admin call) still work.
 */
export function watchDirectory(dir: string, onChange: () => void, options: { logger: Logger; what: string; fallback: string; debounceMs?: number }): DirectoryWatch {
  const { logger, what, fallback, debounceMs = 250 } = options;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs).unref();
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
