import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A directory laid out as the kubelet mounts a Secret or ConfigMap: files are links through `..data` to a timestamped directory. */
export class SecretMount {
  private generation = 0;
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Writes a new generation and swaps `..data` atomically (rename of a link), as the kubelet does. */
  publish(files: Map<string, string>): void {
    const gen = `..gen_${++this.generation}`;
    mkdirSync(join(this.dir, gen));
    for (const [name, text] of files) writeFileSync(join(this.dir, gen, name), text);
    symlinkSync(gen, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const name of readdirSync(this.dir).filter((n) => !n.startsWith('..'))) if (!files.has(name)) unlinkSync(join(this.dir, name));
    for (const name of files.keys()) {
      try {
        symlinkSync(join('..data', name), join(this.dir, name));
      } catch {
        // already linked through ..data
      }
    }
    if (this.generation > 1) rmSync(join(this.dir, `..gen_${this.generation - 1}`), { recursive: true });
  }
}
