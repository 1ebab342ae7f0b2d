import { readFileSync } from 'node:fs';
import { fromRoot } from '../../gateway/paths.js';

/** The instructions of a Dockerfile, stage by stage (line continuations joined, comments dropped). */
export interface Instruction {
  op: string;
  args: string;
}
export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string = readFileSync(fromRoot('Dockerfile'), 'utf8')): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

export function stage(stages: Stage[], name: string): Stage {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`Dockerfile: no stage ${name}`);
  return found;
}

/** ENV k=v k2=v2 (quotes not used in our Dockerfile). */
export function envOf(s: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of s.instructions.filter((x) => x.op === 'ENV')) {
    for (const pair of i.args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

export function one(s: Stage, op: string): string {
  const found = s.instructions.filter((x) => x.op === op);
  if (found.length !== 1) throw new Error(`Dockerfile stage ${s.name}: expected one ${op}, found ${found.length}`);
  return found[0]!.args;
}

/** COPY --from=<stage> <src…> <dest>: each source with the destination it lands at. */
export function copies(s: Stage): Array<{ from: string | undefined; source: string; dest: string }> {
  return s.instructions
    .filter((x) => x.op === 'COPY')
    .flatMap((x) => {
      const words = x.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      const dest = paths.pop()!;
      return paths.map((source) => ({ from, source, dest }));
    });
}

/** The JSON-array form of CMD (HEALTHCHECK … CMD […] included). */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}
