import { deflateSync } from 'node:zlib';
import { StatusList } from '@sd-jwt/jwt-status-list';
import type { ErrorCode } from '../../gateway/errors/catalogue.js';
import type { TokenStatusListFailureReason } from '../../gateway/partners/token-status-cache.js';
import { newKey, type PartnerCity } from '../recognition/partner-city.js';

/**
 * Hostile Token Status Lists (draft-ietf-oauth-status-list) a partner might serve, and hostile
 * status claims in its codes. Each list must be refused as a whole with a stable reason (seen in
 * the partner's status), and the code it was meant to clear refused with ERR_STATUS_UNAVAILABLE —
 * never valid; each claim must be refused with ERR_STATUS_REFERENCE_INVALID.
 */
export interface ListContext {
  city: PartnerCity;
  /** The URI the partner file names: the list's sub must equal it. */
  uri: string;
  now: number;
}

export interface StatusListFixture {
  name: string;
  reason: TokenStatusListFailureReason;
  list(ctx: ListContext): Promise<string>;
}

/** The lst of `size` statuses of `bits` bits, all VALID, as the outside implementation makes it. */
export function lstOf(size: number, bits: 1 | 2 | 4 | 8 = 1, statuses: Record<number, number> = {}): string {
  const list = new StatusList(new Array<number>(size).fill(0), bits);
  for (const [i, value] of Object.entries(statuses)) list.setStatus(Number(i), value);
  return list.compressStatusList();
}

/** A signed list as an honest partner makes it; `claims` and `header` override what a fixture breaks. */
export function signList(ctx: ListContext, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const iat = Math.floor(ctx.now / 1000);
  const payload = { sub: ctx.uri, iat, exp: iat + 3600, ttl: 60, status_list: { bits: 1, lst: lstOf(1024) }, ...claims };
  return ctx.city.sign(payload, { header: { typ: 'statuslist+jwt', ...header } });
}

const zlibOf = (bytes: Uint8Array): string => deflateSync(bytes).toString('base64url');

export const STATUS_LIST_FIXTURES: StatusListFixture[] = [
  { name: 'a list with the typ of the partner\'s codes', reason: 'typ_invalid', list: (ctx) => signList(ctx, {}, { typ: 'jkb+jwt' }) },
  { name: 'a list without typ', reason: 'typ_invalid', list: (ctx) => signList(ctx, {}, { typ: undefined }) },
  { name: 'a list whose sub names another list', reason: 'sub_mismatch', list: (ctx) => signList(ctx, { sub: `${ctx.uri}/other` }) },
  { name: 'a list without sub', reason: 'sub_mismatch', list: (ctx) => signList(ctx, { sub: undefined }) },
  { name: 'a list whose lst is not ZLIB', reason: 'zlib_invalid', list: (ctx) => signList(ctx, { status_list: { bits: 1, lst: Buffer.from('not zlib at all').toString('base64url') } }) },
  { name: 'a list whose lst is raw DEFLATE without the ZLIB header', reason: 'zlib_invalid', list: async (ctx) => {
    const raw = (await import('node:zlib')).deflateRawSync(new Uint8Array(128)).toString('base64url');
    return signList(ctx, { status_list: { bits: 1, lst: raw } });
  } },
  { name: 'a list whose ZLIB stream is cut short', reason: 'zlib_invalid', list: (ctx) => signList(ctx, { status_list: { bits: 1, lst: deflateSync(new Uint8Array(4096).fill(7)).subarray(0, 12).toString('base64url') } }) },
  { name: 'a list whose lst is not base64url', reason: 'lst_not_base64url', list: (ctx) => signList(ctx, { status_list: { bits: 1, lst: 'eJz+/w==' } }) },
  { name: 'a list of 3 bits per status', reason: 'bits_invalid', list: (ctx) => signList(ctx, { status_list: { bits: 3, lst: lstOf(1024) } }) },
  { name: 'a list of 16 bits per status', reason: 'bits_invalid', list: (ctx) => signList(ctx, { status_list: { bits: 16, lst: lstOf(1024) } }) },
  { name: 'a list that inflates past 4 MiB (a decompression bomb)', reason: 'too_large', list: (ctx) => signList(ctx, { status_list: { bits: 1, lst: zlibOf(new Uint8Array(4 * 1024 * 1024 + 1)) } }) },
  { name: 'a list past its exp', reason: 'expired', list: (ctx) => signList(ctx, { iat: Math.floor(ctx.now / 1000) - 7200, exp: Math.floor(ctx.now / 1000) - 3600 }) },
  { name: 'a list without iat', reason: 'claims_invalid', list: (ctx) => signList(ctx, { iat: undefined }) },
  { name: 'a list whose ttl is not a number', reason: 'claims_invalid', list: (ctx) => signList(ctx, { ttl: 'forever' }) },
  { name: 'a list without status_list', reason: 'claims_invalid', list: (ctx) => signList(ctx, { status_list: undefined }) },
  { name: 'a list signed by a key the partner does not publish', reason: 'signature_invalid', list: async (ctx) => {
    const iat = Math.floor(ctx.now / 1000);
    const stranger = await newKey('ES256');
    return ctx.city.sign({ sub: ctx.uri, iat, exp: iat + 3600, status_list: { bits: 1, lst: lstOf(1024) } }, { key: stranger, kid: ctx.city.signingKey.kid, header: { typ: 'statuslist+jwt' } });
  } },
  { name: 'a list with alg none', reason: 'signature_invalid', list: async (ctx) => {
    const iat = Math.floor(ctx.now / 1000);
    const b = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    return `${b({ alg: 'none', typ: 'statuslist+jwt' })}.${b({ sub: ctx.uri, iat, status_list: { bits: 1, lst: lstOf(1024) } })}.`;
  } },
  { name: 'a list that is not a JWT', reason: 'signature_invalid', list: async () => '{"status_list":{"bits":1,"lst":"eNpjYAAAAAQAAQ"}}' },
];

/** The good list the claim fixtures are checked against: 1024 statuses of 2 bits, 7 INVALID, 9 SUSPENDED. */
export const GOOD_LIST = (): { bits: 2; lst: string } => ({ bits: 2, lst: lstOf(1024, 2, { 7: 1, 9: 2 }) });

/** Codes whose status claim must be refused against GOOD_LIST. */
export interface ClaimFixture {
  name: string;
  expect: ErrorCode;
  status(uri: string): unknown;
}

export const CLAIM_FIXTURES: ClaimFixture[] = [
  { name: 'a code without a status claim', expect: 'ERR_STATUS_REFERENCE_INVALID', status: () => undefined },
  { name: 'a code whose index is past the end of the list', expect: 'ERR_STATUS_REFERENCE_INVALID', status: (uri) => ({ status_list: { idx: 1024, uri } }) },
  { name: 'a code with a negative index', expect: 'ERR_STATUS_REFERENCE_INVALID', status: (uri) => ({ status_list: { idx: -1, uri } }) },
  { name: 'a code with a fractional index', expect: 'ERR_STATUS_REFERENCE_INVALID', status: (uri) => ({ status_list: { idx: 1.5, uri } }) },
  { name: 'a code with an index as a string', expect: 'ERR_STATUS_REFERENCE_INVALID', status: (uri) => ({ status_list: { idx: '3', uri } }) },
  { name: 'a code naming another list', expect: 'ERR_STATUS_REFERENCE_INVALID', status: (uri) => ({ status_list: { idx: 3, uri: `${uri}x` } }) },
  { name: 'a code whose status has no status_list', expect: 'ERR_STATUS_REFERENCE_INVALID', status: () => ({ other: true }) },
  { name: 'a code whose index is INVALID', expect: 'ERR_CREDENTIAL_REVOKED', status: (uri) => ({ status_list: { idx: 7, uri } }) },
  { name: 'a code whose index is SUSPENDED (2) in a 2-bit list', expect: 'ERR_CREDENTIAL_REVOKED', status: (uri) => ({ status_list: { idx: 9, uri } }) },
];
