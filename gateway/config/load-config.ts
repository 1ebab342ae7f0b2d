import { isAbsolute, join, resolve } from 'node:path';
import { ENV_VARS, readEnv, type EnvVar } from './env.js';
import { validator, errorField, errorMessage } from '../schemas/registry.js';
import { productionProblems } from './production.js';
import type { GatewayConfig } from '../types/schemas.js';

export type Config = Readonly<GatewayConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parse(v: EnvVar, raw: string): unknown {
  switch (v.kind) {
    case 'string':
      return raw;
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new ConfigError(`config.${v.path} (${v.name}): must be true or false`);
    case 'integer':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`config.${v.path} (${v.name}): must be a number`);
      return n;
    }
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Builds the configuration from environment variables and overrides, validates it once against
 * schemas/config.schema.json and freezes it. A bad value stops the start with a message that
 * names the configuration path and the variable.
 */
export function loadConfig(env: Record<string, string> = readEnv(), overrides: Partial<GatewayConfig> = {}, options: { serving?: boolean } = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const v of ENV_VARS) {
    const value = env[v.name];
    if (value !== undefined) setPath(raw, v.path, parse(v, value));
    else if (v.default !== undefined) setPath(raw, v.path, v.default);
  }
  const merged = mergeDeep(raw, overrides as Record<string, unknown>);
  // The codes' iss and the jwks_uri must name the port actually listened on (issue 11).
  const issuer = (merged['issuer'] ??= {}) as Record<string, unknown>;
  const issuerUrlSet = issuer['url'] !== undefined;
  issuer['url'] ??= `http://localhost:${String(merged['port'])}`;
  for (const key of ['dataDir', 'certsDir', 'partnersDir', 'rulesFile'] as const) {
    const p = merged[key];
    if (typeof p === 'string' && !isAbsolute(p)) merged[key] = resolve(p);
  }
  resolveSmsOutbox(merged);
  const trustList = merged['trustList'] as { keysFile?: unknown } | undefined;
  if (trustList && typeof trustList.keysFile === 'string' && !isAbsolute(trustList.keysFile)) {
    merged['trustList'] = { ...trustList, keysFile: resolve(trustList.keysFile) };
  }
  const validate = validator<GatewayConfig>('config');
  if (!validate(merged)) {
    const first = validate.errors![0]!;
    const field = errorField(first);
    const envVar = ENV_VARS.find((v) => v.path === field)?.name;
    throw new ConfigError(errorMessage(first, `config.${field}${envVar ? ` (${envVar})` : ''}`));
  }
  // `serving: false` (the command-line tools): what only a serving gateway needs is not asked for.
  const config = merged as unknown as GatewayConfig;
  const problems = options.serving === false ? [] : [...oidcProblems(config), ...productionProblems(config, { issuerUrlSet })];
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return deepFreeze(config);
}

/**
 * Sign-in is on when OIDC_ISSUER is set (issue 17, item 1); half a configuration would leave it off
 * without a word, or fail at the first resident's sign-in, so it stops the start instead.
 */
function oidcProblems(config: GatewayConfig): string[] {
  const oidc = config.oidc;
  if (!oidc?.issuer) return [];
  const problems: string[] = [];
  if (!oidc.clientId) problems.push('OIDC_CLIENT_ID must be set with OIDC_ISSUER');
  if (!oidc.redirectUri) problems.push('OIDC_REDIRECT_URI must be set with OIDC_ISSUER (the resident page the provider sends people back to)');
  if (!oidc.clientSecret === !oidc.privateKeyFile) problems.push('set exactly one of OIDC_CLIENT_SECRET (client_secret_basic) and OIDC_PRIVATE_KEY_FILE (private_key_jwt) with OIDC_ISSUER');
  return problems;
}

/**
 * The development sender of recovery codes writes to <DATA_DIR>/sms-outbox.jsonl unless told
 * otherwise; production gets no default (a file there would be refused: production.ts).
 */
function resolveSmsOutbox(merged: Record<string, unknown>): void {
  const sms = { ...((merged['sms'] as Record<string, unknown> | undefined) ?? {}) };
  if (sms['webhookUrl'] === undefined && sms['outboxFile'] === undefined && merged['environment'] !== 'production' && typeof merged['dataDir'] === 'string') {
    sms['outboxFile'] = join(merged['dataDir'], 'sms-outbox.jsonl');
  }
  if (typeof sms['outboxFile'] === 'string' && !isAbsolute(sms['outboxFile'])) sms['outboxFile'] = resolve(sms['outboxFile']);
  merged['sms'] = sms;
}

function mergeDeep(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const current = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && current && typeof current === 'object'
      ? mergeDeep(current as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}
