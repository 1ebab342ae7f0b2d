import { nodeVersionProblem } from './node-floor.js';

/**
 * Imported FIRST by every entry point (gateway/main.ts, gateway/cli/*, verifier/cli.ts, the demo
 * and bench): ES modules are evaluated in import order, so this runs before better-sqlite3 loads
 * and an old Node stops here with a sentence (exit 1) instead of a segmentation fault.
 */
const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
