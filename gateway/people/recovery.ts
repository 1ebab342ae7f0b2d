import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import { assertValid } from '../schemas/registry.js';
import { validateDocument } from '../identity/documents.js';
import { validatePhone } from '../identity/phone.js';
import { documentKey, identityKey, safeEqual } from '../declarations/secrets.js';
import { isReleased, type SubjectRecord } from '../store/store.js';
import { newRecoveryCode, recoveryCodeHash } from './one-time-codes.js';
import { phoneKey } from './phone-key.js';
import { replaceOwnerToken } from './owner-token.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import type { RecoveryLimits } from './recovery-limits.js';
import type { SmsSender } from './sms-sender.js';
import type { RecoveryRequest, RecoveryResult, RecoveryStarted, RecoveryVerify } from '../types/schemas.js';

/**
 * 找回健康码 without an identity provider (issue 17, item 2): a 6-digit code to the phone the
 * document was declared with; the code proves the person holds that phone, and buys a new owner
 * token that ends every earlier one. Nothing here logs, counts or answers a phone, a document
 * number or a code: the answer to a request is the same whether or not it matched a record.
 */
export interface RecoveryDeps extends IssuerDeps {
  smsSender: SmsSender | undefined;
  recoveryLimits: RecoveryLimits;
  logger: Logger;
}

export const RECOVERY_CODE_TTL_MS = 5 * 60_000;
export const RECOVERY_CODE_TRIES = 3;

async function limit(deps: RecoveryDeps, docKey: string, address: string): Promise<void> {
  for (const [limiter, key] of [[deps.recoveryLimits.perAddress, address], [deps.recoveryLimits.perDocument, docKey]] as const) {
    const taken = await limiter.take(key);
    if (!taken.ok) throw new GatewayError('ERR_RATE_LIMITED', undefined, { retryAfterSeconds: taken.retryAfterSeconds });
  }
}

/**
 * Whether `phone` is the one registered with the subject: its keyed hash, or — for subjects
 * declared before migration 7 kept one — the keyed hash of the name and phone declared together.
 */
function registeredPhone(deps: RecoveryDeps, subject: SubjectRecord, phone: string, name: string | undefined): boolean {
  if (subject.phoneKey) return safeEqual(subject.phoneKey, phoneKey(deps.pepper, phone));
  return name !== undefined && safeEqual(subject.identityKey, identityKey(deps.pepper, name, phone));
}

/** POST /v1/recovery: a code goes to the registered phone if the document and phone match a record. */
export async function startRecovery(deps: RecoveryDeps, body: unknown, address: string): Promise<RecoveryStarted> {
  const now = deps.now();
  const request = assertValid<RecoveryRequest>('recovery-request', body);
  validateDocument(request.document, 'document.number', new Date(now));
  const phone = validatePhone(request.phone, 'phone');
  const sender = deps.smsSender;
  if (!sender) {
    deps.metrics.recoveryRequests.inc({ outcome: 'unavailable' });
    throw new GatewayError('ERR_RECOVERY_UNAVAILABLE');
  }
  const docKey = documentKey(deps.pepper, request.document);
  await limit(deps, docKey, address);
  const subject = await deps.store.getSubjectByDocumentKey(docKey);
  const matches = subject !== undefined && !isReleased(subject) && registeredPhone(deps, subject, phone, request.name);
  if (!matches) {
    deps.metrics.recoveryRequests.inc({ outcome: 'no_match' });
  } else {
    const code = newRecoveryCode();
    await deps.store.putRecoveryCode({
      subjectId: subject.id,
      codeHash: recoveryCodeHash(deps.pepper, subject.id, code),
      triesLeft: RECOVERY_CODE_TRIES,
      expiresAt: now + RECOVERY_CODE_TTL_MS,
      createdAt: now,
    });
    const text = `【${deps.config.issuer.name}健康码】验证码 ${code}，5分钟内有效，仅用于找回健康码，请勿告诉他人。`;
    // Not awaited: how long the SMS gateway takes must not tell a caller whether a record matched.
    sender.send({ to: phone, text }).then(
      () => deps.metrics.recoveryRequests.inc({ outcome: 'sent' }),
      (err: unknown) => {
        deps.metrics.recoveryRequests.inc({ outcome: 'send_failed' });
        deps.logger.warn({ sender: sender.kind, error: err instanceof Error ? err.name : 'unknown' }, 'recovery code could not be sent');
      },
    );
  }
  return { status: 'sent_if_registered', expiresInSeconds: RECOVERY_CODE_TTL_MS / 1000 };
}

/** POST /v1/recovery/verify: the right code, within 5 minutes and 3 tries, gives a new owner token. */
export async function verifyRecovery(deps: RecoveryDeps, body: unknown, address: string): Promise<RecoveryResult> {
  const now = deps.now();
  const request = assertValid<RecoveryVerify>('recovery-verify', body);
  validateDocument(request.document, 'document.number', new Date(now));
  const docKey = documentKey(deps.pepper, request.document);
  await limit(deps, docKey, address);
  const refused = (): GatewayError => {
    deps.metrics.recoveryVerifications.inc({ outcome: 'refused' });
    return new GatewayError('ERR_RECOVERY_CODE_INVALID', undefined, { field: 'code' });
  };
  const subject = await deps.store.getSubjectByDocumentKey(docKey);
  if (!subject || isReleased(subject)) throw refused();
  // The try is spent before comparing: concurrent guesses cannot exceed the tries.
  const stored = await deps.store.spendRecoveryTry(subject.id, now);
  if (stored === undefined || !safeEqual(stored, recoveryCodeHash(deps.pepper, subject.id, request.code))) throw refused();
  // One-time: of two requests with the right code, only the one that deletes it goes on.
  if (!(await deps.store.deleteRecoveryCode(subject.id, stored))) throw refused();
  const hadOwnerToken = !subject.holderTokenHash.includes(':');
  const holderToken = await replaceOwnerToken(deps, subject.id);
  deps.metrics.recoveryVerifications.inc({ outcome: 'verified' });
  if (hadOwnerToken) deps.metrics.holderTokensEnded.inc({ reason: 'recovery' });
  return { subjectId: subject.id, holderToken };
}
