import type { Partner } from '../types/schemas.js';
import { assertUnique, deepFreeze, partnerUriProblem, type LoadPartnersOptions } from '../partners/registry.js';

export type PartnerSource = 'self' | 'local' | 'trust-list';

export interface SourceOf {
  source: PartnerSource;
  /** A listed partner that a local file suspends. */
  suspendedLocally?: true;
}

export interface MergedPartners {
  partners: Partner[];
  sources: Map<string, SourceOf>;
  /** Local files set aside because they would change a listed partner (for the log; no key material). */
  ignored: string[];
}

/**
 * The rules a list's members must keep besides the schema: fetchable URIs (the same as for a
 * partner file) and one partner per id and per issuer. Throws, naming the member: a list is
 * taken whole or not at all, as a folder of partner files is.
 */
export function checkMembers(members: readonly Partner[], options: LoadPartnersOptions): Partner[] {
  for (const m of members) {
    const problem = partnerUriProblem(m, options);
    if (problem) throw new Error(`member ${m.id}: ${problem}`);
  }
  assertUnique(members, (p) => `member ${p.id}`);
  return members.map((m) => deepFreeze(structuredClone(m)));
}

/**
 * The partners a gateway recognises: the trust list's members and the local partner files.
 * The list is the federation's word on who a member is and where its keys are, so a local file
 * can only narrow it: a file with a listed member's id suspends it when its status is
 * "suspended" and is otherwise set aside, and a file naming a listed member's issuer under
 * another id is set aside (it would add keys to that issuer). The gateway's own entry in the
 * list (its id or its issuer) is skipped: its own keys are read locally.
 */
export function mergePartners(listed: readonly Partner[], local: readonly Partner[], self: Pick<Partner, 'id' | 'issuer'>): MergedPartners {
  const sources = new Map<string, SourceOf>([[self.id, { source: 'self' }]]);
  const ignored: string[] = [];
  const members = listed.filter((m) => m.id !== self.id && m.issuer !== self.issuer);
  const byId = new Map(members.map((m) => [m.id, m]));
  const listedIssuers = new Set(members.map((m) => m.issuer));
  const partners: Partner[] = [];
  const suspended = new Set<string>();
  for (const file of local) {
    const member = byId.get(file.id);
    if (member) {
      if (file.status === 'suspended') suspended.add(file.id);
      else ignored.push(`partners/${file.id}.json: ${file.id} is on the trust list, whose descriptor applies; a local file can only suspend it`);
    } else if (listedIssuers.has(file.issuer)) {
      ignored.push(`partners/${file.id}.json: its issuer belongs to a member of the trust list; a local file cannot add keys to it`);
    } else {
      partners.push(file);
      sources.set(file.id, { source: 'local' });
    }
  }
  for (const m of members) {
    const off = suspended.has(m.id) && m.status === 'active';
    partners.push(off ? deepFreeze({ ...m, status: 'suspended' as const }) : m);
    sources.set(m.id, off ? { source: 'trust-list', suspendedLocally: true } : { source: 'trust-list' });
  }
  return { partners, sources, ignored };
}
