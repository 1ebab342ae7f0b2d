import { expectJson } from './http.js';
import type { Person, SimCity } from './sim-city.js';
import type { DeclarationResult, RiskEventResult } from '../gateway/types/schemas.js';
import { decodePayload, parseCompact } from '../gateway/verify/parse-compact.js';

/**
 * Codes the demo shows, each with the outcome it expects: `verify` is the cell expected at every
 * city other than the issuer, `checkpoint` the decision at the Xinji checkpoint (36.5 °C, the
 * holder's own document). The expectations are the specification of issue 3, so the demo doubles
 * as an end-to-end check.
 */
export interface DemoCode {
  issuerId: string;
  issuerName: string;
  scenario: string;
  source: string | number;
  holder: Person;
  jws: string;
  expect: { verify: string; checkpoint: string };
  /** Footnote mark shown beside the partners' cells. */
  mark?: string;
}

export interface XinjiCodes {
  codes: DemoCode[];
  /** jti of the green code the risk event superseded. */
  supersededJti: string;
}

function declaration(person: Person, phone: string, symptoms: string[]): Record<string, unknown> {
  return {
    applicant: { name: person.name, document: person.document, phone, residence: 'permanent' },
    travel14d: ['130100'],
    symptoms,
    contactWithCase: false,
    attestTruthful: true,
  };
}

function jtiOf(jws: string): string {
  // Through the gateway's own parser: a layout-2 code's payload is raw-DEFLATE compressed (zip "DEF").
  const payload = decodePayload(parseCompact(jws)) as { jti?: unknown };
  if (typeof payload.jti !== 'string') throw new Error('a Xinji code without jti');
  return payload.jti;
}

/** Xinji's codes come from its real API: declarations, and the epidemic feed for the red one. */
export async function issueXinjiCodes(
  xinjiUrl: string,
  riskFeedToken: string,
  people: { green: Person; yellow: Person; red: Person },
): Promise<XinjiCodes> {
  const name = '辛集市';
  const green = await expectJson<DeclarationResult>(201, 'POST', `${xinjiUrl}/v1/declarations`, declaration(people.green, '13012340604', []));
  const yellow = await expectJson<DeclarationResult>(201, 'POST', `${xinjiUrl}/v1/declarations`, declaration(people.yellow, '13912345678', ['fever', 'cough']));
  const before = await expectJson<DeclarationResult>(201, 'POST', `${xinjiUrl}/v1/declarations`, declaration(people.red, '13812345679', []));
  if (green.color !== 'green' || yellow.color !== 'yellow' || before.color !== 'green') {
    throw new Error(`unexpected declaration colours: ${green.color}, ${yellow.color}, ${before.color}`);
  }
  const feed = await expectJson<RiskEventResult>(200, 'POST', `${xinjiUrl}/v1/risk-events`, {
    events: [{ id: 'demo-close-contact-1', type: 'close_contact', document: people.red.document, occurredAt: new Date().toISOString() }],
  }, riskFeedToken);
  if (feed.credentialsSuperseded !== 1) throw new Error(`the risk event superseded ${feed.credentialsSuperseded} codes, expected 1`);
  const red = await expectJson<DeclarationResult>(200, 'GET', `${xinjiUrl}/v1/subjects/${encodeURIComponent(before.subjectId)}/code`, undefined, before.holderToken);

  const codes: DemoCode[] = [
    { issuerId: 'xinji', issuerName: name, scenario: 'declared, no risk', source: green.color, holder: people.green, jws: green.credential.jws, expect: { verify: 'green', checkpoint: 'pass' } },
    { issuerId: 'xinji', issuerName: name, scenario: 'declared fever + cough', source: yellow.color, holder: people.yellow, jws: yellow.credential.jws, expect: { verify: 'yellow', checkpoint: 'deny: color_yellow' } },
    { issuerId: 'xinji', issuerName: name, scenario: 'close contact (risk feed)', source: red.color, holder: people.red, jws: red.credential.jws, expect: { verify: 'red', checkpoint: 'deny: color_red' } },
    {
      issuerId: 'xinji',
      issuerName: name,
      scenario: 'its earlier green code',
      source: before.color,
      holder: people.red,
      jws: before.credential.jws,
      // The other cities read Xinji's status list (statusUri from its metadata) and refuse it too.
      expect: { verify: 'ERR_CREDENTIAL_SUPERSEDED', checkpoint: 'deny: code_invalid [ERR_CREDENTIAL_SUPERSEDED]' },
      mark: '†',
    },
  ];
  return { codes, supersededJti: jtiOf(before.credential.jws) };
}

/** What a simulated city signs, and what every other city and the Xinji checkpoint must make of it. */
export interface CitySample {
  scenario: string;
  source: string | number;
  verify: string;
  checkpoint: string;
}

/** A simulated city's codes, signed in its own layout. */
export async function issueCityCodes(city: SimCity, holder: Person, samples: readonly CitySample[]): Promise<DemoCode[]> {
  const codes: DemoCode[] = [];
  for (const sample of samples) {
    codes.push({
      issuerId: city.profile.id,
      issuerName: city.profile.name,
      scenario: sample.scenario,
      source: sample.source,
      holder,
      jws: await city.issue(holder, sample.source),
      expect: { verify: sample.verify, checkpoint: sample.checkpoint },
    });
  }
  return codes;
}
