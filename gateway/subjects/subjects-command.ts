import { releaseSubject, ReleaseRefused } from './release-subject.js';
import { purgeSubjects, type PurgeResult } from './retention.js';
import { policyEnded } from '../http/policy-end.js';
import type { Store } from '../store/store.js';

export const SUBJECTS_USAGE =
  'usage: subjects release <subjectId> --reason "<why>" [--operator <who>] | audit <subjectId> | purge --inactive-since <ISO time> | purge --all';

export interface CommandContext {
  store: Store;
  now: () => number;
  /** Who runs the command when --operator is absent (the OS user). */
  defaultOperator: string;
  /** The document pepper of CERTS_DIR (claim codes are keyed with it). */
  pepper: Buffer;
  /** POLICY_END of the configuration: purge --all is refused before it. */
  policyEnd?: string | undefined;
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
    if (command === 'purge') return await purge(argv.slice(1), ctx);
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

const summary = (r: PurgeResult): string =>
  `${r.subjects} subject(s) purged, ${r.codesRevoked} code(s) listed as revoked, ${r.rowsRemoved} anonymous row(s) removed` +
  (r.personEvents > 0 ? `, ${r.personEvents} person event(s) deleted` : '');

/**
 * `purge --inactive-since <ISO time>`: subjects with no declaration, code request or scan since
 * then (what RETENTION_DAYS does daily). `purge --all`: every subject, once POLICY_END has passed
 * (new declarations are refused from then on, so nothing arrives while it runs). The first line of
 * the output is the number of subjects purged, so `npm run --silent subjects -- purge …` can be
 * read by a script; no subject id is printed.
 */
async function purge(args: readonly string[], ctx: CommandContext): Promise<number> {
  const now = ctx.now();
  if (args[0] === '--all' && args.length === 1) {
    if (!policyEnded(ctx.policyEnd, now)) {
      throw new ReleaseRefused('purge --all deletes every subject: set POLICY_END to a time that has passed first (declarations, code requests and scans are then refused)', 2);
    }
    const result = await purgeSubjects(ctx.store, { all: true, now });
    ctx.out(String(result.subjects));
    ctx.err(`${summary(result)} (the policy ended ${ctx.policyEnd})`);
    return 0;
  }
  if (args[0] === '--inactive-since' && args.length === 2) {
    const since = Date.parse(args[1]!);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(args[1]!) || Number.isNaN(since)) throw new ReleaseRefused('--inactive-since needs an ISO time, e.g. 2026-10-01T00:00:00+08:00', 2);
    if (since > now) throw new ReleaseRefused('--inactive-since is in the future: that would purge subjects active now', 2);
    const result = await purgeSubjects(ctx.store, { inactiveSince: since, now });
    ctx.out(String(result.subjects));
    ctx.err(`${summary(result)}: no declaration, code request or scan since ${new Date(since).toISOString()}`);
    return 0;
  }
  ctx.err(SUBJECTS_USAGE);
  return 2;
}
