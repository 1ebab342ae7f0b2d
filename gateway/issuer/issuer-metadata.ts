import { CODE_LAYOUTS, CREDENTIAL_TYP, CREDENTIAL_TYP_V3, XINJI_CLAIM_LAYOUTS, XINJI_CLAIMS } from './sign-credential.js';
import { PASS_TYP } from './sign-pass.js';
import { tokenStatusListUri } from '../status-list/own-status-list.js';
import { publishedSchemaUrl } from '../schemas/published.js';
import { BINDING_INPUT, BINDING_METHODS_SUPPORTED } from '../identity/binding.js';
import type { Config } from '../config/load-config.js';
import type { IssuerMetadata, Partner } from '../types/schemas.js';

export const JWKS_PATH = '/.well-known/jwks.json';
export const METADATA_PATH = '/.well-known/health-code-issuer';
export const STATUS_PATH = '/.well-known/health-code-status';
/**
 * The end of the deprecation window of the JSON list at STATUS_PATH (RFC 8594 Sunset): partners
 * read the Token Status List (status_list_uri) instead; after this date the JSON list goes.
 */
export const STATUS_URI_SUNSET = '2027-03-31T00:00:00Z';

/** Xinji's own vocabulary is the shared one. */
const XINJI_COLOR_MAP = { version: '1', valueType: 'string', values: { green: 'green', yellow: 'yellow', red: 'red' } } as const;

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** What /.well-known/health-code-issuer serves. */
export function buildIssuerMetadata(config: Config, algorithms: string[]): IssuerMetadata {
  return {
    issuer: config.issuer.url,
    id: config.issuer.id,
    name: config.issuer.name,
    region: config.issuer.region,
    jwks_uri: joinUrl(config.issuer.url, JWKS_PATH),
    status_uri: joinUrl(config.issuer.url, STATUS_PATH),
    status_uri_sunset: STATUS_URI_SUNSET,
    status_list_uri: tokenStatusListUri(config.issuer.url),
    // Served by this gateway (GET /schemas/{file}), so a partner can fetch what the URL names.
    credential_schema: publishedSchemaUrl(config.issuer.url, 'normalized-credential'),
    typ: CREDENTIAL_TYP,
    // Layout 3 codes carry the shorter typ; layout 1 and 2 codes, still valid for a while, typ.
    typ_aliases: [CREDENTIAL_TYP_V3],
    pass: { typ: PASS_TYP, max_lifetime_seconds: config.passTtlSeconds },
    // Layout 2 and 3 codes are compressed, layout 1 codes are not, and all may be valid at once.
    zip: 'optional',
    code_layouts: [...CODE_LAYOUTS],
    algorithms_supported: algorithms,
    // The pointers of layouts 1 and 2, for partners whose verifier reads only claims; each
    // layout's own (layout 3 has short names) by its hc.v in claim_layouts.
    claims: { ...XINJI_CLAIMS },
    claim_layouts: {
      pointer: XINJI_CLAIM_LAYOUTS.pointer,
      layouts: Object.fromEntries(Object.entries(XINJI_CLAIM_LAYOUTS.layouts).map(([layout, pointers]) => [layout, { ...pointers }])),
    },
    color_map: { ...XINJI_COLOR_MAP, values: { ...XINJI_COLOR_MAP.values } },
    // New bindings are s2 (binding_input); s1 stays readable in older codes and stored subjects.
    binding_methods_supported: [...BINDING_METHODS_SUPPORTED],
    // A verifier must require these: exp bounds a code in time, jti is what the status list names.
    required_claims: ['iss', 'iat', 'exp', 'jti'],
    binding_input: { ...BINDING_INPUT },
  };
}

/**
 * A partner entry built from an issuer's published metadata. Xinji is a partner of itself this way
 * (its codes go through the same verification path as anyone's), and a partner city can register
 * Xinji from https://<xinji>/.well-known/health-code-issuer with the same function.
 */
export function partnerFromIssuerMetadata(metadata: IssuerMetadata): Partner {
  return {
    id: metadata.id,
    name: metadata.name,
    region: metadata.region,
    issuer: metadata.issuer,
    jwksUri: metadata.jwks_uri,
    // Partners read the issuer's status list to refuse superseded or revoked codes before exp.
    statusUri: metadata.status_uri,
    ...(metadata.status_list_uri ? { statusListUri: metadata.status_list_uri } : {}),
    algorithms: metadata.algorithms_supported as Partner['algorithms'],
    typ: metadata.typ,
    ...(metadata.typ_aliases ? { typAliases: [...metadata.typ_aliases] } : {}),
    ...(metadata.pass ? { pass: { typ: metadata.pass.typ, maxLifetimeSeconds: metadata.pass.max_lifetime_seconds } } : {}),
    ...(metadata.zip !== undefined ? { zip: metadata.zip } : {}),
    claims: metadata.claims,
    ...(metadata.claim_layouts ? { claimLayouts: metadata.claim_layouts } : {}),
    colorMap: metadata.color_map,
    status: 'active',
  };
}
