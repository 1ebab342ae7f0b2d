import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { loadConfig, type Config } from '../config/load-config.js';
import { ENV_VARS, readEnv } from '../config/env.js';

/**
 * The tools read the same settings as the gateway they manage, so `keys add` on a VM writes where
 * the unit's gateway reads (issue 20: it silently wrote ./certs/dev):
 *   1. `--env-file <file>` (the file the unit's EnvironmentFile names), else
 *   2. the documented file of the systemd guide, /etc/health-code-gateway/gateway.env, when it exists,
 * under the variables of the tool's own environment (which win, as with `node --env-file`).
 * The tools never need what only the server needs (RISK_FEED_TOKEN …): production checks of a
 * serving gateway are not applied to them.
 */
export const DOCUMENTED_ENV_FILE = '/etc/health-code-gateway/gateway.env';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** The gateway's variables from the env file (when there is one) overlaid with the tool's own environment. */
export function cliEnv(envFile: string | undefined, documented: string = DOCUMENTED_ENV_FILE): { env: Record<string, string>; from?: string } {
  const file = envFile ?? (existsSync(documented) ? documented : undefined);
  if (file === undefined) return { env: readEnv() };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    const hint = code === 'EACCES' ? ': run the tool as the gateway\'s user (sudo -u health-code-gateway …) or as root' : '';
    throw new SettingsError(`cannot read the settings ${file} (${code ?? (error as Error).message})${hint}${envFile === undefined ? '; or name another file with --env-file' : ''}`);
  }
  return { env: { ...readEnv(parseEnv(text)), ...readEnv() }, from: resolve(file) };
}

/** The configuration a tool works with; `needsCerts`: refuse the development key directory in production. */
export function loadCliConfig(envFile: string | undefined, options: { needsCerts?: boolean; documented?: string } = {}): Config {
  const { env } = cliEnv(envFile, options.documented);
  const config = loadConfig(env, {}, { serving: false });
  if (options.needsCerts && config.environment === 'production' && config.certsDir === resolve(String(ENV_VARS.find((v) => v.name === 'CERTS_DIR')!.default))) {
    throw new SettingsError(`GATEWAY_ENV=production: CERTS_DIR is the development key directory ${config.certsDir}; set CERTS_DIR to the gateway's (or pass --env-file with the gateway's settings)`);
  }
  return config;
}

/** loadCliConfig, with any problem said in one line (exit 2) instead of a stack trace. */
export function cliConfigOrExit(envFile: string | undefined, options: { needsCerts?: boolean } = {}): Config {
  try {
    return loadCliConfig(envFile, options);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}
