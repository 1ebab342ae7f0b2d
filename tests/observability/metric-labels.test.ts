import request from 'supertest';
import { labelViolations, metricLabelViolations, parseExposition } from '../helpers/metric-labels.js';
import { runWorkload, startWorkloadGateway, type Workload } from './workload.js';

/**
 * Labels only from bounded sets: after a broad workload (every route, valid and hostile requests,
 * partner codes, an unknown issuer, bad codes, colour changes), every label value of every
 * gateway_ metric is a route template, status class, method, colour, registered partner id or
 * "unknown", catalogue code or one of the documented enumerations.
 */
let w: Workload;
let text: string;

beforeAll(async () => {
  w = await startWorkloadGateway();
  await runWorkload(w);
  text = (await request(w.gw.app).get('/metrics')).text;
});

afterAll(async () => {
  await w.close();
});

describe('metric labels after a broad workload', () => {
  it('keeps every label of every gateway_ metric within its bounded set', async () => {
    expect(await metricLabelViolations(w.gw)).toEqual([]);
    const families = new Set(parseExposition(text).samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')));
    expect(families.size).toBeGreaterThanOrEqual(12);
  });

  it('labels requests by route template, method and status class, and unmatched paths as one value', () => {
    expect(text).toMatch(/gateway_http_request_duration_seconds_count\{method="GET",route="\/v1\/subjects\/:subjectId\/code",status_class="2xx"\} [1-9]/);
    expect(text).toMatch(/gateway_http_request_duration_seconds_count\{method="POST",route="\/v1\/declarations",status_class="4xx"\} [1-9]/);
    expect(text).toMatch(/gateway_http_request_duration_seconds_count\{method="GET",route="unmatched",status_class="4xx"\} [1-9]/);
    expect(text).not.toContain('gateway_http_requests_total');
  });

  it('counts the colour transitions the gateway noticed, verification times and decisions by reason', () => {
    // The risk feed superseded the proxied person's green code; the modification revoked the holder's.
    expect(text).toMatch(/gateway_color_transitions_total\{from="green",to="red"\} 1\n/);
    expect(text).toMatch(/gateway_color_transitions_total\{from="green",to="yellow"\} 1\n/);
    expect(text).toMatch(/gateway_verifications_total\{partner="unknown",result="ERR_ISSUER_UNKNOWN"\} [1-9]/);
    expect(text).toMatch(/gateway_verifications_total\{partner="unknown",result="ERR_CODE_MALFORMED"\} [1-9]/);
    expect(text).toMatch(/gateway_verification_duration_seconds_bucket\{le="0.0005",partner="beijing"\} \d/);
    expect(text).toMatch(/gateway_checkpoint_decisions_total\{decision="deny",reason="fever"\} [1-9]/);
    expect(text).toMatch(/gateway_checkpoint_decisions_total\{decision="pass",reason="none"\} [1-9]/);
  });

  it('counts a deny with several reasons once, under its first reason', () => {
    // The unknown issuer's code at 39 °C is denied for code_invalid and fever: one sample, code_invalid.
    const fever = /gateway_checkpoint_decisions_total\{decision="deny",reason="fever"\} (\d+)/.exec(text)![1];
    expect(Number(fever)).toBe(1);
  });

  it('exports no process metrics unless asked: tests build several apps', () => {
    expect(text).not.toMatch(/^process_|^nodejs_/m);
  });
});

describe('the label checker', () => {
  const context = { routes: ['/v1/verify'], partners: ['xinji', 'beijing'] };
  const exposition = (line: string, type = 'counter'): string => `# HELP x x\n# TYPE ${line.split('{')[0]} ${type}\n${line}\n`;

  it('refuses a raw path, an unregistered partner, a code outside the catalogue and an undeclared label', () => {
    expect(labelViolations(exposition('gateway_verifications_total{partner="evil.example",result="valid"} 1'), context)).toHaveLength(1);
    expect(labelViolations(exposition('gateway_verifications_total{partner="beijing",result="ERR_MADE_UP"} 1'), context)).toHaveLength(1);
    expect(labelViolations(exposition('gateway_http_request_duration_seconds_count{method="GET",route="/v1/subjects/sub_1/code",status_class="2xx"} 1', 'histogram'), context)).toHaveLength(1);
    expect(labelViolations(exposition('gateway_new_thing_total{kid="abc"} 1'), context)).toEqual(['gateway_new_thing_total{kid}: no bounded set declared (tests/helpers/metric-labels.ts)']);
  });

  it('accepts partner ids and "unknown", and requires counters to end in _total', () => {
    expect(labelViolations(exposition('gateway_partner_keys_age_seconds{partner="unknown"} 1', 'gauge'), context)).toEqual([]);
    expect(labelViolations(exposition('gateway_things{partner="beijing"} 1'), context)).toEqual(['gateway_things: a counter must end in _total']);
  });
});
