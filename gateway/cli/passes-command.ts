import { parseArgs } from 'node:util';
import { isGatewayError } from '../errors/gateway-error.js';
import { issuePass, listPasses, revokePass } from '../declarations/passes.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import { PASS_PAGE_PATH } from '../web/pass-page.js';

export const PASSES_USAGE = 'usage: passes issue <subjectId> | list <subjectId> | revoke <passId>  [--env-file <file>]';

export interface PassesContext {
  deps: IssuerDeps;
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * The command line, checked strictly before anything is opened: the command and its one argument,
 * or what is wrong followed by the usage. `--env-file` is the CLI's (gateway/cli/passes.ts).
 */
export function parsePassesArgs(argv: readonly string[]): { command: 'issue' | 'list' | 'revoke'; id: string } | { problem: string } {
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args: [...argv], options: { 'env-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }));
  } catch (error) {
    return { problem: `${(error as Error).message}\n${PASSES_USAGE}` };
  }
  const [command, id, ...rest] = positionals;
  if (id === undefined || rest.length > 0 || (command !== 'issue' && command !== 'list' && command !== 'revoke')) return { problem: PASSES_USAGE };
  return { command, id };
}

/**
 * `npm run --silent passes -- …` at a counter or a community office, as a function of its
 * arguments (the CLI wires the store, keys and rules). Returns the exit code: 0, or 2 with a
 * message on stderr for a usage error, an unknown subject or pass, or a person who is not green.
 * `issue` prints the pass id, its dates and the print view's address, then the pass as a compact
 * JWS alone on the last line (`PASS=$(… | tail -n 1)`). Nothing printed names the person.
 */
export async function runPassesCommand(argv: readonly string[], ctx: PassesContext): Promise<number> {
  const parsed = parsePassesArgs(argv);
  if ('problem' in parsed) {
    ctx.err(parsed.problem);
    return 2;
  }
  const { command, id } = parsed;
  try {
    switch (command) {
      case 'issue': {
        const pass = await issuePass(ctx.deps, id);
        ctx.out(`pass ${pass.passId}  issued ${pass.issuedAt}  until ${pass.expiresAt}`);
        ctx.out(`print: ${ctx.deps.config.issuer.url.replace(/\/+$/, '')}${PASS_PAGE_PATH}#${pass.jws}`);
        ctx.out(pass.jws!);
        return 0;
      }
      case 'list':
        for (const p of await listPasses(ctx.deps, id)) ctx.out(`${p.passId}  ${p.status}  issued ${p.issuedAt}  until ${p.expiresAt}`);
        return 0;
      default: {
        const pass = await revokePass(ctx.deps, id);
        ctx.out(`${pass.passId}  ${pass.status}`);
        return 0;
      }
    }
  } catch (error) {
    if (!isGatewayError(error) || !error.expose) throw error;
    ctx.err(`${error.code}: ${error.message}`);
    return 2;
  }
}
