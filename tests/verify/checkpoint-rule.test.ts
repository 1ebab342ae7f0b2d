import { GatewayError } from '../../gateway/errors/gateway-error.js';
import { createBinding, matchesBinding } from '../../gateway/identity/binding.js';
import { validator } from '../../gateway/schemas/registry.js';
import type { IdentityDocument, NormalizedCredential } from '../../gateway/types/schemas.js';
import { decideAtCheckpoint, scryptBindingCheck } from '../../gateway/verify/checkpoint-rule.js';
import type { VerifyOutcome } from '../../gateway/verify/verify-code.js';
import { makePartner } from './fixtures.js';

const holder: IdentityDocument = { type: 'resident_id', number: '130181199001011239' };
const stranger: IdentityDocument = { type: 'resident_id', number: '11010519491231002X' };
const partner = makePartner();
let binding: string;

beforeAll(async () => {
  binding = await createBinding(holder, 10);
});

function valid(overrides: Partial<NormalizedCredential> = {}, withBinding: string | null = binding): VerifyOutcome {
  const credential: NormalizedCredential = {
    schemaVersion: '1.0',
    credentialId: 'c-1',
    issuer: { partnerId: partner.id, name: partner.name, region: partner.region, iss: partner.issuer },
    subject: { nameMasked: '张*猛' },
    color: 'green',
    sourceColor: '未见异常',
    colorMapVersion: 'bj-1',
    advisory: false,
    issuedAt: '2024-03-16T08:00:00.000Z',
    expiresAt: '2024-03-16T09:00:00.000Z',
    ...overrides,
  };
  const outcome = { valid: true as const, credential, partner, jti: 'c-1', payload: {} };
  return withBinding === null ? outcome : { ...outcome, binding: withBinding };
}

const decide = (outcome: VerifyOutcome, temperatureC = 36.5, document = holder) =>
  decideAtCheckpoint({ outcome, temperatureC, document, feverThresholdC: 37.3, checkBinding: scryptBindingCheck(matchesBinding) });

describe('decideAtCheckpoint (亮码 + 身份证 + 测温)', () => {
  it('passes a valid green code shown with its own document and no fever', async () => {
    const decision = await decide(valid());
    expect(decision).toMatchObject({ decision: 'pass', color: 'green', reasons: [] });
    expect(decision.credential?.credentialId).toBe('c-1');
    expect(JSON.stringify(decision)).not.toContain(holder.number);
  });

  it('denies a yellow code and a red code', async () => {
    expect(await decide(valid({ color: 'yellow' }))).toMatchObject({ decision: 'deny', color: 'yellow', reasons: ['color_yellow'] });
    expect(await decide(valid({ color: 'red' }))).toMatchObject({ decision: 'deny', color: 'red', reasons: ['color_red'] });
  });

  it('denies a green code in a pop-up (advisory) state', async () => {
    expect(await decide(valid({ advisory: true }))).toMatchObject({ decision: 'deny', color: 'green', reasons: ['advisory'] });
  });

  it('treats exactly 37.3 °C as fever, and anything above', async () => {
    expect((await decide(valid(), 37.2)).decision).toBe('pass');
    expect(await decide(valid(), 37.3)).toMatchObject({ decision: 'deny', reasons: ['fever'] });
    expect(await decide(valid(), 39)).toMatchObject({ decision: 'deny', reasons: ['fever'] });
    expect(await decide(valid(), Number.NaN)).toMatchObject({ decision: 'deny', reasons: ['fever'] });
  });

  it('denies a code shown with another person\'s document', async () => {
    expect(await decide(valid(), 36.5, stranger)).toMatchObject({ decision: 'deny', reasons: ['document_mismatch'] });
    expect(await decide(valid(), 36.5, { type: 'passport', number: holder.number })).toMatchObject({ reasons: ['document_mismatch'] });
  });

  it('denies a code that carries no binding, or one it cannot check', async () => {
    expect(await decide(valid({}, null))).toMatchObject({ decision: 'deny', reasons: ['binding_missing'] });
    expect(await decide(valid({}, 's1.30.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).toMatchObject({ reasons: ['binding_missing'] });
  });

  it('lists every reason that applies at once', async () => {
    const decision = await decide(valid({ color: 'red', advisory: true }), 38.1, stranger);
    expect(decision).toMatchObject({ decision: 'deny', color: 'red', reasons: ['color_red', 'advisory', 'fever', 'document_mismatch'] });
  });

  it('denies an invalid code with its error and no colour, without computing the binding', async () => {
    const outcome: VerifyOutcome = { valid: false, error: new GatewayError('ERR_JWS_SIGNATURE_INVALID') };
    // The binding check counts its calls: an invalid code must not cost a scrypt.
    let bindingChecks = 0;
    const check = scryptBindingCheck(matchesBinding);
    const checkBinding: typeof check = (...args) => {
      bindingChecks++;
      return check(...args);
    };
    const decision = await decideAtCheckpoint({ outcome, temperatureC: 38, document: holder, feverThresholdC: 37.3, checkBinding });
    expect(decision).toEqual({
      decision: 'deny',
      color: null,
      reasons: ['code_invalid', 'fever'],
      method: 'code',
      error: { code: 'ERR_JWS_SIGNATURE_INVALID', message: expect.any(String) },
    });
    expect(decision).not.toHaveProperty('credential');
    expect(bindingChecks).toBe(0);
  });

  it('answers in the shape of checkpoint-decision.schema.json, for a pass, a deny and an invalid code', async () => {
    const validate = validator('checkpoint-decision');
    const invalid: VerifyOutcome = { valid: false, error: new GatewayError('ERR_TOKEN_EXPIRED') };
    for (const decision of [await decide(valid()), await decide(valid({ color: 'red' }), 38, stranger), await decide(invalid)]) {
      expect(validate(decision)).toBe(true);
    }
  });
});
