import { expectJson } from './http.js';
import type { CheckpointDecision, IdentityDocument, VerifyResult } from '../gateway/types/schemas.js';

/**
 * The two questions the demo asks of a gateway, each answer reduced to one table cell:
 * POST /v1/verify → the normalised colour or the error code; POST /v1/checkpoint/scans →
 * "pass" or "deny: <reasons> [<error code>]".
 */
export interface CityGateway {
  id: string;
  name: string;
  url: string;
  /** Token of a checkpoint device registered at this gateway (scans need one). */
  deviceToken?: string;
}

export function verifyCell(result: VerifyResult): string {
  if (!result.valid) return result.error?.code ?? 'invalid (no code)';
  const credential = result.credential!;
  return credential.advisory ? `${credential.color} (advisory)` : credential.color;
}

export function checkpointCell(decision: CheckpointDecision): string {
  if (decision.decision === 'pass') return 'pass';
  const error = decision.error ? ` [${decision.error.code}]` : '';
  return `deny: ${decision.reasons.join(', ')}${error}`;
}

export async function verifyAt(gateway: CityGateway, jws: string): Promise<string> {
  return verifyCell(await expectJson<VerifyResult>(200, 'POST', `${gateway.url}/v1/verify`, { code: jws }));
}

export async function scanAt(gateway: CityGateway, jws: string, temperatureC: number, document: IdentityDocument): Promise<string> {
  const decision = await expectJson<CheckpointDecision>(200, 'POST', `${gateway.url}/v1/checkpoint/scans`, { code: jws, temperatureC, document }, gateway.deviceToken);
  return checkpointCell(decision);
}

/** Counts expectations met; `cell` returns what to print (the actual value, flagged when it is not the expected one). */
export class Tally {
  checked = 0;
  failed: string[] = [];

  cell(what: string, actual: string, expected: string, mark = ''): string {
    this.checked++;
    if (actual === expected) return actual + mark;
    this.failed.push(`${what}: got "${actual}", expected "${expected}"`);
    return `✗ ${actual} (expected ${expected})`;
  }
}
