import type { RequestHandler } from 'express';
import { assertValid } from '../schemas/registry.js';
import { validateDocument } from '../identity/documents.js';
import { decideAtCheckpoint } from '../verify/checkpoint-rule.js';
import type { Metrics } from '../observability/metrics.js';
import type { VerifyOutcome } from '../verify/verify-code.js';
import type { CheckpointScan } from '../types/schemas.js';
import type { BindingCheck } from '../checkpoint/document-check.js';

/**
 * POST /v1/checkpoint/scans — 亮码 + 身份证 + 测温 in one request. The presented document number
 * is checked for its format (a mistyped number is a 400 the officer can fix), used for the binding
 * check, and dropped: it is neither stored nor logged. The device was authenticated before the
 * body was read (http/device-auth.ts).
 */
export function postCheckpointScans(deps: {
  verify: (code: string) => Promise<VerifyOutcome>;
  feverThresholdC: number;
  checkBinding: BindingCheck;
  metrics: Metrics;
  now: () => number;
}): RequestHandler {
  return async (req, res) => {
    const scan = assertValid<CheckpointScan>('checkpoint-scan', req.body);
    validateDocument(scan.document, 'document.number', new Date(deps.now()));
    const outcome = await deps.verify(scan.code);
    const decision = await decideAtCheckpoint({
      outcome,
      temperatureC: scan.temperatureC,
      document: scan.document,
      feverThresholdC: deps.feverThresholdC,
      checkBinding: deps.checkBinding,
    });
    // Counted once, under the first reason (metrics.ts explains the precedence).
    deps.metrics.checkpointDecisions.inc({ decision: decision.decision, reason: decision.reasons[0] ?? 'none' });
    res.setHeader('cache-control', 'no-store');
    res.json(decision);
  };
}
