import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config/load-config.js';

/** One text message to a mainland mobile number (11 digits, canonical form). */
export interface SmsMessage {
  to: string;
  text: string;
}

/**
 * Delivers recovery codes to the registered phone (issue 17, item 2). The gateway keeps no phone
 * number: it sends only to the number the person typed, once its keyed hash matched the one stored.
 */
export interface SmsSender {
  readonly kind: 'webhook' | 'file';
  send(message: SmsMessage): Promise<void>;
}

const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * The city's SMS gateway: `POST <SMS_WEBHOOK_URL>` with `{"to": "<11 digits>", "text": "…"}` as
 * application/json and `Authorization: Bearer <SMS_WEBHOOK_TOKEN>` when set; any 2xx is delivered.
 */
export function webhookSender(url: string, token: string | undefined, fetchImpl: typeof fetch = fetch): SmsSender {
  return {
    kind: 'webhook',
    async send(message) {
      const res = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ to: message.to, text: message.text }),
        redirect: 'error',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`SMS gateway answered ${res.status}`);
    },
  };
}

/**
 * Development only (production refuses it, config/production.ts): one JSON line per message
 * appended to a file, so a developer — and the README's walk-through — can read the code.
 * Written synchronously: the line is there when the request that sent it is answered.
 */
export function fileSender(file: string): SmsSender {
  return {
    kind: 'file',
    async send(message) {
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, `${JSON.stringify({ to: message.to, text: message.text })}\n`, { mode: 0o600 });
    },
  };
}

/** The configured sender; undefined when none is (production without SMS_WEBHOOK_URL). */
export function createSmsSender(config: Config): SmsSender | undefined {
  if (config.sms?.webhookUrl) return webhookSender(config.sms.webhookUrl, config.sms.webhookToken);
  if (config.sms?.outboxFile) return fileSender(config.sms.outboxFile);
  return undefined;
}
