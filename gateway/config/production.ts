import type { GatewayConfig } from '../types/schemas.js';

/**
 * The placeholder secrets of deploy/systemd/gateway.env.example and of docs: a city that copied
 * the example without replacing them would run with a token anyone can read on GitHub.
 */
const PLACEHOLDER = /change[-_ ]?me|placeholder|example|^(.)\1+$/i;

/** What the caller knows beyond the validated configuration: whether ISSUER_URL was set at all. */
export interface ProductionContext {
  issuerUrlSet: boolean;
}

/**
 * GATEWAY_ENV=production: what development forgives must stop the start instead, each with a
 * message naming the variable and what to set (issue 11; issue 19, item 5). (Keys and pepper that
 * would be generated are refused where they are read: gateway/issuer/bootstrap-secrets.ts.)
 *
 * PRODUCTION_OPT_OUT names the refusals a city accepts knowingly (docs/deployment.md): ADMIN_PORT
 * (operators' routes on the public port, e.g. behind a network policy), TRUST_PROXY (a hop count,
 * when the load balancer in front is the only way in and overwrites X-Forwarded-For), ISSUER_URL
 * (plain http, e.g. TLS terminated by a proxy that the codes cannot name). Never the secrets.
 */
export function productionProblems(config: GatewayConfig, context: ProductionContext = { issuerUrlSet: true }): string[] {
  if (config.environment !== 'production') return [];
  const optOut = new Set((config.productionOptOut ?? '').split(',').filter(Boolean));
  const problems: string[] = [];
  if (!config.riskFeedToken) problems.push('RISK_FEED_TOKEN must be set (the epidemic data feed could not post risk events)');
  else if (PLACEHOLDER.test(config.riskFeedToken)) problems.push('RISK_FEED_TOKEN is a placeholder: set 32 random characters (openssl rand -base64 24)');
  if (config.allowInsecureLoopbackJwks) problems.push('ALLOW_INSECURE_LOOPBACK_JWKS must be off (it is for tests and demos)');
  // Issue 17: a file of one-time codes is a development convenience; in production it would be a list of account takeovers.
  if (config.sms?.outboxFile) problems.push('SMS_OUTBOX_FILE is the development sender of recovery codes; set SMS_WEBHOOK_URL to the SMS gateway instead');
  if (config.sms?.webhookUrl && !config.sms.webhookUrl.startsWith('https://')) problems.push('SMS_WEBHOOK_URL must be https');
  if (config.oidc?.issuer && !config.oidc.issuer.startsWith('https://')) problems.push('OIDC_ISSUER must be https (the ID tokens prove who a person is)');
  if (!context.issuerUrlSet) {
    problems.push('ISSUER_URL must be set to the public https:// URL of this gateway (every code names it as iss; unset it is http://localhost)');
  } else if (!config.issuer.url.startsWith('https://') && !optOut.has('ISSUER_URL')) {
    problems.push('ISSUER_URL must be https:// (or PRODUCTION_OPT_OUT=ISSUER_URL where TLS is terminated in front and codes name http://)');
  }
  if (!config.adminToken) problems.push('ADMIN_TOKEN must be set: 32 random characters (openssl rand -base64 24); without it partners cannot be reloaded');
  else if (PLACEHOLDER.test(config.adminToken)) problems.push('ADMIN_TOKEN is a placeholder: set 32 random characters (openssl rand -base64 24)');
  else if (config.adminToken === config.riskFeedToken) problems.push('ADMIN_TOKEN must differ from RISK_FEED_TOKEN (the feed would be an operator)');
  if (config.adminPort === undefined && !optOut.has('ADMIN_PORT')) {
    problems.push('ADMIN_PORT must be set (e.g. 9090, with ADMIN_HOST on an internal interface): without it /metrics and /v1/partners are public on PORT (or PRODUCTION_OPT_OUT=ADMIN_PORT)');
  }
  const trustProxy = config.http.trustProxy?.trim();
  if (trustProxy !== undefined && /^(\d+|true)$/i.test(trustProxy) && !optOut.has('TRUST_PROXY')) {
    problems.push(
      `TRUST_PROXY=${trustProxy} believes X-Forwarded-For from whoever connects, so any client picks its own rate-limit address: name the proxies instead (addresses or CIDRs, e.g. TRUST_PROXY=10.0.0.0/8), or PRODUCTION_OPT_OUT=TRUST_PROXY when the proxy is the only way in`,
    );
  }
  return problems.map((p) => `GATEWAY_ENV=production: ${p}`);
}

/** Whether keys and a pepper may be generated when CERTS_DIR lacks them (development only). */
export function mayGenerateSecrets(config: Pick<GatewayConfig, 'environment'>): boolean {
  return config.environment !== 'production';
}
