import type { RequestHandler } from 'express';
import { assertValid } from '../schemas/registry.js';
import { validateDocument } from '../identity/documents.js';
import { decideAtCheckpoint } from '../verify/checkpoint-rule.js';
import type { Metrics } from '../observability/metrics.js';
import type { VerifyOutcome } from '../verify/verify-code.js';
import type { CheckpointDecision, CheckpointScan, IdentityDocument } from '../types/schemas.js';
import type { BindingCheck } from '../checkpoint/document-check.js';

/**
 * POST /v1/checkpoint/scans — 亮码 + 身份证 + 测温 in one request; without a code, 一证通行 (the
 * document alone, checkpoint/document-scan.ts). The presented document number
 * is checked for its format (a mistyped number is a 400 the officer can fix), used for the binding
 * check, and dropped: it is neither stored nor logged. The device was authenticated before the
 * body was read (http/device-auth.ts).
 */
export function postCheckpointScans(deps: {
  verify: (code: string) => Promise<VerifyOutcome>;
  feverThresholdC: number;
  checkBinding: BindingCheck;
  /** 一证通行: the decision for a document alone (checkpoint/document-scan.ts). */
  byDocument: (document: IdentityDocument, temperatureC: number) => Promise<CheckpointDecision>;
  metrics: Metrics;
  now: () => number;
}): RequestHandler {
  return async (req, res) => {
    const scan = assertValid<CheckpointScan>('checkpoint-scan', req.body);
    validateDocument(scan.document, 'document.number', new Date(deps.now()));
    const decision = scan.code === undefined
      ? await deps.byDocument(scan.document, scan.temperatureC)
      : await decideAtCheckpoint({
        outcome: await deps.verify(scan.code),
        temperatureC: scan.temperatureC,
        document: scan.document,
        feverThresholdC: deps.feverThresholdC,
        checkBinding: deps.checkBinding,
      });
    // Counted once, under the first reason (metrics.ts explains the precedence), and by mode.
    deps.metrics.checkpointDecisions.inc({ decision: decision.decision, reason: decision.reasons[0] ?? 'none' });
    deps.metrics.checkpointScans.inc({ mode: decision.method ?? 'code', decision: decision.decision });
    res.setHeader('cache-control', 'no-store');
    res.json(decision);
  };
}
