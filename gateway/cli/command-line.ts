import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/**
 * Every tool's command line, parsed by node:util parseArgs in strict mode: an unknown option
 * (`--stauts next`), a missing value or a stray argument stops the tool with exit 2 and the usage
 * instead of being ignored; `--help` (-h) prints the usage and exits 0. `--env-file <file>` is
 * known to every tool (gateway/cli/cli-settings.ts).
 */
export interface CommandLine<V> {
  values: V & { 'env-file'?: string };
  positionals: string[];
}

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  'env-file': { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints `message` (if any) and the usage on stderr and exits 2: what every tool does with a wrong command line. */
export function usageExit(message: string | undefined, usage: string): never {
  process.stderr.write(`${message === undefined ? '' : `${message}\n`}${usage}\n`);
  process.exit(2);
}

export function parseCommandLine<T extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  spec: { usage: string; options: T; positionals?: readonly [min: number, max: number] },
): CommandLine<{ [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }> {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: { ...COMMON, ...spec.options } as ParseArgsOptionsConfig, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    return usageExit((error as Error).message, spec.usage);
  }
  if (parsed.values['help']) {
    process.stdout.write(`${spec.usage}\n`);
    process.exit(0);
  }
  const [min, max] = spec.positionals ?? [0, 0];
  if (parsed.positionals.length < min) usageExit(undefined, spec.usage);
  if (parsed.positionals.length > max) usageExit(`unexpected argument '${parsed.positionals[max]!}'`, spec.usage);
  return parsed as unknown as CommandLine<{ [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }>;
}

/** The first word of the command line when it is one of `commands`; otherwise the usage and exit 2 (or 0 for --help). */
export function subcommand<C extends string>(argv: readonly string[], commands: readonly C[], usage: string): C {
  const first = argv[0];
  if (first === '--help' || first === '-h') {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if (first === undefined) usageExit(undefined, usage);
  if (!(commands as readonly string[]).includes(first)) usageExit(`unknown command '${first}'`, usage);
  return first as C;
}
