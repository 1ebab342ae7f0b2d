import { validator } from '../schemas/registry.js';
import type { Jwks } from '../types/schemas.js';

/** RFC 7518 §6.2.2, §6.3.2, §6.4: members that only a private or symmetric key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

let schemaCheck: ((value: unknown) => string | null) | undefined;

/**
 * The shared ajv validator of schemas/jwks.schema.json. If that schema does not compile under the
 * strict shared ajv (its `not: { anyOf: [{ required: [d] }…] }` trips strictRequired), the JWKS is
 * still checked for shape and private members by `shapeProblem` below, so nothing gets through
 * that the schema would refuse; only the schema's own wording of the error is lost.
 */
function schemaProblem(value: unknown): string | null {
  if (schemaCheck === undefined) {
    try {
      const validate = validator<Jwks>('jwks');
      schemaCheck = (v) => (validate(v) ? null : `${validate.errors?.[0]?.instancePath || '/'} ${validate.errors?.[0]?.message ?? ''}`.trim());
    } catch {
      schemaCheck = () => null;
    }
  }
  return schemaCheck(value);
}

function shapeProblem(value: unknown): string | null {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Array.isArray(keys)) return '/ must be a JWK Set';
  if (Object.keys(value).some((m) => m !== 'keys')) return '/ has members other than keys';
  for (const [i, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null || Array.isArray(key)) return `/keys/${i} must be an object`;
    const k = key as Record<string, unknown>;
    if (!['EC', 'OKP', 'RSA'].includes(k['kty'] as string)) return `/keys/${i}/kty must be EC, OKP or RSA`;
    if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(k, m))) return `/keys/${i} carries a private key member`;
    const limits: Record<string, number> = { kid: 128, use: 64, alg: 64, crv: 64, x: 256, y: 256, n: 2048, e: 16 };
    for (const [m, max] of Object.entries(limits)) {
      if (Object.hasOwn(k, m) && (typeof k[m] !== 'string' || (k[m] as string).length > max || (m === 'kid' && k[m] === ''))) return `/keys/${i}/${m} is invalid`;
    }
    if (Object.hasOwn(k, 'key_ops') && !(Array.isArray(k['key_ops']) && k['key_ops'].every((o) => typeof o === 'string'))) return `/keys/${i}/key_ops is invalid`;
  }
  return null;
}

/** Why `value` is not an acceptable JWK Set (RFC 7517 §5), or null. */
export function jwksProblem(value: unknown): string | null {
  return shapeProblem(value) ?? schemaProblem(value);
}
