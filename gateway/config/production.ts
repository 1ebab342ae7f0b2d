import type { GatewayConfig } from '../types/schemas.js';

/**
 * GATEWAY_ENV=production: what development forgives must stop the start instead — a risk feed
 * nobody can post to, partner keys fetched over plain HTTP on loopback. (Keys and pepper that
 * would be generated are refused where they are read: gateway/issuer/bootstrap-secrets.ts.)
 * Each message names the variable to change.
 */
export function productionProblems(config: GatewayConfig): string[] {
  if (config.environment !== 'production') return [];
  const problems: string[] = [];
  if (!config.riskFeedToken) problems.push('RISK_FEED_TOKEN must be set (the epidemic data feed could not post risk events)');
  if (config.allowInsecureLoopbackJwks) problems.push('ALLOW_INSECURE_LOOPBACK_JWKS must be off (it is for tests and demos)');
  // Issue 17: a file of one-time codes is a development convenience; in production it would be a list of account takeovers.
  if (config.sms?.outboxFile) problems.push('SMS_OUTBOX_FILE is the development sender of recovery codes; set SMS_WEBHOOK_URL to the SMS gateway instead');
  if (config.sms?.webhookUrl && !config.sms.webhookUrl.startsWith('https://')) problems.push('SMS_WEBHOOK_URL must be https');
  if (config.oidc?.issuer && !config.oidc.issuer.startsWith('https://')) problems.push('OIDC_ISSUER must be https (the ID tokens prove who a person is)');
  return problems.map((p) => `GATEWAY_ENV=production: ${p}`);
}

/** Whether keys and a pepper may be generated when CERTS_DIR lacks them (development only). */
export function mayGenerateSecrets(config: Pick<GatewayConfig, 'environment'>): boolean {
  return config.environment !== 'production';
}
