import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ErrorObject } from 'ajv';
import { validator } from '../schemas/registry.js';
import type { Partner } from '../types/schemas.js';
import { jwksUriProblem } from './jwks-uri.js';

/** A partner file larger than this is not a partner file (the schema bounds every member). */
const MAX_FILE_BYTES = 256 * 1024;

export interface LoadPartnersOptions {
  allowInsecureLoopback: boolean;
}

/** The most specific ajv error: oneOf/anyOf summaries say less than the branch errors under them. */
function deepest(errors: ErrorObject[]): ErrorObject | undefined {
  const concrete = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  const pool = concrete.length > 0 ? concrete : errors;
  return pool.reduce<ErrorObject | undefined>((best, e) => (best && best.instancePath.length >= e.instancePath.length ? best : e), undefined);
}

/** `/colorMap/values/弹窗/color must be one of green, yellow, red` — path as a JSON Pointer (RFC 6901). */
function describe(error: ErrorObject | undefined): string {
  if (!error) return '/ is invalid';
  const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
  const at = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return `${at}/${escape(String(error.params['missingProperty']))} is required`;
    case 'additionalProperties':
      return `${at}/${escape(String(error.params['additionalProperty']))} is not a known field`;
    case 'enum':
      return `${at || '/'} must be one of ${(error.params['allowedValues'] as unknown[]).join(', ')}`;
    default:
      return `${at || '/'} ${error.message ?? 'is invalid'}`;
  }
}

/** The most telling schema error of a validation, as `<JSON pointer> <problem>`. */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string {
  return describe(deepest(errors ?? []));
}

/**
 * What the schema cannot say about a partner entry, or null: keys and status list are fetched
 * only over https (jwks-uri.ts); typAliases name other typ values of the same codes, so they need
 * a typ and may never be the typ of the partner's passes — a pass would otherwise be read as a
 * code with a colour (RFC 8725 §3.11: one typ, one kind of token). Applies to partner files and
 * to a trust list's members alike.
 */
export function partnerUriProblem(partner: Partner, options: LoadPartnersOptions): string | null {
  if (partner.typAliases !== undefined && partner.typ === undefined) return '/typAliases needs /typ: aliases name other typ values of the same codes';
  if (partner.pass && (partner.typAliases ?? []).includes(partner.pass.typ)) return `/typAliases must not contain /pass/typ ("${partner.pass.typ}"): a pass is not a code`;
  if (partner.pass && partner.pass.typ === partner.typ) return `/pass/typ must differ from /typ ("${partner.typ}"): a pass is not a code`;
  const problem = jwksUriProblem(partner.jwksUri, options);
  if (problem) return `/jwksUri ${problem}`;
  // The status list decides whether a code is still valid: it needs the same integrity as the keys.
  const statusProblem = partner.statusUri === undefined ? null : jwksUriProblem(partner.statusUri, options);
  if (statusProblem) return `/statusUri ${statusProblem}`;
  const listProblem = partner.statusListUri === undefined ? null : jwksUriProblem(partner.statusListUri, options);
  return listProblem ? `/statusListUri ${listProblem}` : null;
}

/** One partner file, validated; throws an Error naming the file and the JSON path. */
export function loadPartnerFile(path: string, options: LoadPartnersOptions): Partner {
  if (statSync(path).size > MAX_FILE_BYTES) throw new Error(`${path}: larger than ${MAX_FILE_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const validate = validator<Partner>('partner');
  if (!validate(value)) throw new Error(`${path}: ${describe(deepest(validate.errors ?? []))}`);
  if (basename(path) !== `${value.id}.json`) throw new Error(`${path}: /id is "${value.id}" but the file must be named <id>.json`);
  const problem = partnerUriProblem(value, options);
  if (problem) throw new Error(`${path}: ${problem}`);
  return deepFreeze(value);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Throws when two entries share an id or an issuer: `iss` must name exactly one partner. */
export function assertUnique(partners: readonly Partner[], where: (p: Partner) => string): void {
  const ids = new Map<string, Partner>();
  const issuers = new Map<string, Partner>();
  for (const p of partners) {
    const sameId = ids.get(p.id);
    if (sameId) throw new Error(`${where(p)}: /id "${p.id}" is also the id of ${where(sameId)}`);
    const sameIss = issuers.get(p.issuer);
    if (sameIss) throw new Error(`${where(p)}: /issuer is also the issuer of ${where(sameIss)}`);
    ids.set(p.id, p);
    issuers.set(p.issuer, p);
  }
}

/**
 * Reads every `<id>.json` of `dir` (other names are ignored, so a README may sit beside them),
 * validates each against schemas/partner.schema.json and the rules the schema cannot say, and
 * returns them frozen, sorted by file name. Any problem throws an Error naming the file and the
 * JSON path: a registry is loaded whole or not at all.
 */
export function loadPartners(dir: string, options: LoadPartnersOptions): Partner[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
  const partners = files.map((file) => loadPartnerFile(join(dir, file), options));
  assertUnique(partners, (p) => join(dir, `${p.id}.json`));
  return partners;
}

/**
 * The partners the gateway knows, looked up by exact `iss` (RFC 7519 §4.1.1 compares it as a
 * case-sensitive string) or by id. The gateway's own issuer (`self`) is always present. `reload`
 * swaps the whole set in one assignment, so a lookup never sees half of an old and half of a new
 * registry; a set that conflicts with `self` is refused and the old set stays.
 */
export class PartnerRegistry {
  readonly selfId: string | undefined;
  private state: { byId: Map<string, Partner>; byIssuer: Map<string, Partner>; list: readonly Partner[] };

  constructor(partners: readonly Partner[], private readonly self?: Partner) {
    this.selfId = self?.id;
    this.state = this.build(partners);
  }

  private build(partners: readonly Partner[]): PartnerRegistry['state'] {
    const list = Object.freeze(this.self ? [this.self, ...partners] : [...partners]);
    assertUnique(list, (p) => (p === this.self ? `the gateway's own issuer (${p.id})` : `partner ${p.id}`));
    return {
      byId: new Map(list.map((p) => [p.id, p])),
      byIssuer: new Map(list.map((p) => [p.issuer, p])),
      list,
    };
  }

  byIssuer(iss: string): Partner | undefined {
    return this.state.byIssuer.get(iss);
  }

  byId(id: string): Partner | undefined {
    return this.state.byId.get(id);
  }

  /** Every partner, the gateway's own issuer first. */
  list(): readonly Partner[] {
    return this.state.list;
  }

  /** Replaces the partners (not `self`). Throws, keeping the current set, if the new set conflicts. */
  reload(partners: readonly Partner[]): void {
    this.state = this.build(partners);
  }
}
