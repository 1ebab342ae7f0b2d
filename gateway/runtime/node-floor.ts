/**
 * The oldest Node.js the gateway runs on. better-sqlite3 13 is built for Node-API 10, which Node
 * has from 22.14 on (and 23.6): on an older Node the native module does not refuse politely, the
 * process dies with a bare "Segmentation fault" (exit 139). package.json's `engines` says the same.
 * No imports: this file must be loadable by any Node, before anything native is.
 */
export const NODE_FLOOR = '22.14.0';
/** Node 23 gained Node-API 10 only in 23.6: 23.0–23.5 are above the floor and still crash. */
const NODE_23_FLOOR = '23.6.0';

function parts(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * What to tell the operator when `found` (process.versions.node, "20.20.2" or "v20.20.2") is below
 * `floor`; undefined when it is recent enough. A version that cannot be read is refused too.
 */
export function nodeVersionProblem(found: string, floor: string = NODE_FLOOR): string | undefined {
  const have = parts(found);
  const needed = have?.[0] === 23 && floor === NODE_FLOOR ? NODE_23_FLOOR : floor;
  const need = parts(needed)!;
  if (have) {
    for (let i = 0; i < 3; i++) {
      if (have[i]! > need[i]!) return undefined;
      if (have[i]! < need[i]!) break;
      if (i === 2) return undefined;
    }
  }
  return `health-code-gateway needs Node.js ${needed} or later (better-sqlite3 needs Node-API 10); this is Node.js ${found.replace(/^v/, '')} at ${process.execPath}. Install Node.js 24 (or 22.14+) and run again.`;
}
