import type { Finding } from './partner-check-finding.js';
import type { PartnerCheckResult } from './partner-check.js';

/**
 * What a person at a partner city does about each finding. Written for them, not for us: it says
 * what to change on their side, and why the gateway insists.
 */
export const FIXES: Record<string, string> = {
  partner_file_invalid: 'Correct the partner file against schemas/partner.schema.json (the message names the JSON path), then run the check again.',
  file_name: 'Rename the file to <id>.json before handing it to a gateway operator.',
  uri_unsafe: 'Serve jwksUri, statusUri and statusListUri over https on a public address, without redirects. Plain http is accepted only on loopback for tests.',
  typ_not_pinned: 'Put a fixed typ in every code header (for example "health-code+jwt") and name it in the partner file\'s typ (RFC 8725 §3.11).',
  binding_unchecked: 'Add a binding claim made as gateway/identity/binding.ts makes it (scrypt of the document type and number, format s2.<logN>.<salt>.<hash>; s1 is read too) and point claims.binding at it.',
  jwks_unreachable: 'Make the key set answer 200 with JSON within the timeout from outside your network (check DNS, TLS, firewall, and that the URL is exact).',
  jwks_invalid: 'Publish a JWK Set: {"keys":[...]} with public keys only, within the size and key-count limits.',
  key_unusable: 'Remove or replace this key: publish only signature keys (use "sig") of a type and size the gateway accepts (P-256, P-384, Ed25519, RSA ≥ 2048 bits), with a unique kid and an alg from the partner file.',
  no_usable_key: 'Publish at least one key that fits one of the algorithms in the partner file.',
  key_alg_unbound: 'Add "alg" to the key so it can only ever be used with the algorithm you sign with.',
  alg_unused: 'Remove from algorithms the ones you do not sign with: every algorithm allowed is one more an attacker may try.',
  no_status_list: 'Publish your list of superseded and revoked codes (schemas/credential-status.schema.json) and name it in statusUri.',
  status_list: '',
  status_list_unreachable: 'Make the status list answer 200 with JSON within the timeout, over https, without redirects.',
  status_list_invalid: 'Serve the list in the format of schemas/credential-status.schema.json, with issuer equal to your iss.',
  token_status_list: '',
  token_status_list_unreachable: 'Make statusListUri answer 200 with the signed list (Content-Type application/statuslist+jwt) within the timeout, over https, without redirects.',
  token_status_list_invalid: 'Serve a statuslist+jwt as draft-ietf-oauth-status-list §5 says: signed with a key of your key set, sub equal to statusListUri, iat, exp in the future, and status_list {bits, lst} ZLIB-compressed.',
  status_reference_invalid: 'Put the status claim of the draft (§6.1) in every code: {"status_list": {"idx": <its index>, "uri": <your statusListUri, exactly>}}, with an index inside your list.',
  sample_withdrawn: 'Issue fresh sample codes; if they are fresh, your list marks the index of a code still in use: an index must be VALID (0) until its code is withdrawn.',
  no_samples: 'Issue two or three fresh codes from your production system (different colours if you can), one per line in a file, and pass it with --codes.',
  sample_malformed: 'Send the code exactly as your QR code carries it: a compact JWS, or the QR text of one.',
  issuer_mismatch: 'Make iss in your codes exactly the partner file\'s issuer (same scheme, host, path, no trailing slash differences).',
  kid_unknown: 'Sign with a key you publish in the key set, and put its kid in the JWS header.',
  signature_invalid: 'The code was changed after signing or signed with another key than the one published under its kid.',
  alg_not_pinned: 'Sign with an algorithm the partner file lists in algorithms, or list the one you use.',
  typ_mismatch: 'Use the same typ in every code header as the partner file names (typ, or one of typAliases while an older typ is still in codes).',
  claims_invalid: 'Every code needs iss, iat, exp (NumericDate) and a unique jti (RFC 7519 §4.1).',
  iat_skew: 'Synchronise the clocks of the servers that issue codes (NTP); codes issued in the future are refused.',
  lifetime_too_long: 'Issue codes valid for a shorter time (exp − iat): a code that lives long outlives a colour change.',
  sample_expired: 'Issue new sample codes and run the check within their lifetime.',
  claim_missing: 'Point each claim in the partner file at a member your codes really carry (JSON Pointer, RFC 6901), or remove the pointer.',
  color_unmapped: 'Add this colour value to colorMap.values (with its colour), or stop issuing it. Unmapped values are refused, never guessed.',
  signature_unchecked: '',
  sample_refused: 'Fix what the verifier names, then run the check again.',
};

const MARK: Record<Finding['severity'], string> = { ok: '✓', warn: '!', fail: '✗' };

/** The report for a person: verdict first, then each finding with what to do, grouped by subject. */
export function renderReport(result: PartnerCheckResult, file: string): string {
  const lines: string[] = [];
  const who = result.partner ? `${result.partner.name} (${result.partner.id}, region ${result.partner.region})` : file;
  lines.push(`Partner check for ${who}`, `File ${file}, checked at ${result.checkedAt} by this machine's clock.`, '');
  const fails = result.findings.filter((f) => f.severity === 'fail').length;
  const warns = result.findings.filter((f) => f.severity === 'warn').length;
  lines.push(result.ready
    ? `READY: the gateway will accept this city's codes${warns ? ` (${warns} suggestion${warns > 1 ? 's' : ''} below)` : ''}.`
    : `NOT READY: ${fails} problem${fails > 1 ? 's' : ''} to fix${warns ? `, ${warns} suggestion${warns > 1 ? 's' : ''}` : ''}. Until they are fixed, our checkpoints refuse this city's codes.`);
  let subject = '';
  for (const f of result.findings) {
    if (f.subject !== subject) {
      subject = f.subject;
      lines.push('', subject);
    }
    lines.push(`  ${MARK[f.severity]} ${f.message}`);
    const fix = FIXES[f.check];
    if (f.severity !== 'ok' && fix) lines.push(`    What to do: ${fix}`);
  }
  return `${lines.join('\n')}\n`;
}
