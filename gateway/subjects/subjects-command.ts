import { releaseSubject, ReleaseRefused } from './release-subject.js';
import type { Store } from '../store/store.js';

export const SUBJECTS_USAGE = 'usage: subjects release <subjectId> --reason "<why>" [--operator <who>] | audit <subjectId>';

export interface CommandContext {
  store: Store;
  now: () => number;
  /** Who runs the command when --operator is absent (the OS user). */
  defaultOperator: string;
  /** The document pepper of CERTS_DIR (claim codes are keyed with it). */
  pepper: Buffer;
  out: (line: string) => void;
  err: (line: string) => void;
}

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * `npm run subjects -- …`, as a function of its arguments (the CLI wires the store and the
 * process). Returns the exit code. `release` prints subject and audit ids and counts, and the
 * one-time claim code for the person at the counter alone on its last line, never the reason (an operator may have written a name into it), so its output is safe to keep in a
 * job log; `audit` is the one place the recorded reason is shown, on stdout to the operator who
 * asks for it, never to the gateway's logs.
 */
export async function runSubjectsCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const [command, subjectId, ...args] = argv;
  try {
    if (command === 'release' && subjectId !== undefined) {
      const reason = option(args, 'reason');
      if (reason === undefined) throw new ReleaseRefused('--reason "<why>" is required: the audit records who, when and why', 2);
      const result = await releaseSubject(ctx.store, { subjectId, reason, operator: option(args, 'operator') ?? ctx.defaultOperator, now: ctx.now(), pepper: ctx.pepper });
      if (result.outcome !== 'released' || result.claimCode === undefined) {
        ctx.out(`${subjectId} was already released: ${result.codesRevoked} code(s) revoked now`);
        return 0;
      }
      ctx.out(`released ${subjectId}: ${result.codesRevoked} code(s) revoked, document freed; audit ${result.auditId}`);
      ctx.out(`claim code for the person at the counter (declare with it until ${new Date(result.claimExpiresAt ?? 0).toISOString()}):`);
      // Alone on the last line, so a script takes it with `tail -n 1`.
      ctx.out(result.claimCode);
      return 0;
    }
    if (command === 'audit' && subjectId !== undefined) {
      for (const r of await ctx.store.listReleases(subjectId)) ctx.out(`${r.id}  ${new Date(r.at).toISOString()}  by ${r.operator}  reason: ${r.reason}`);
      return 0;
    }
    ctx.err(SUBJECTS_USAGE);
    return 2;
  } catch (error) {
    if (!(error instanceof ReleaseRefused)) throw error;
    ctx.err(error.message);
    return error.exitCode;
  }
}
