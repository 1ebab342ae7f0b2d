import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
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

/**
 * Settings that name a file or directory. The gateway resolves a relative one from its working
 * directory (the unit's WorkingDirectory=), which a tool run from elsewhere cannot know: it would
 * resolve it from its own and write keys or read a database no gateway uses (issue 20's bug).
 */
const PATH_VARS = ['DATA_DIR', 'CERTS_DIR', 'PARTNERS_DIR', 'RULES_FILE', 'TRUST_LIST_KEYS'] as const;

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
  const own = readEnv();
  const fromFile = readEnv(parseEnv(text));
  for (const name of PATH_VARS) {
    const value = fromFile[name];
    if (value !== undefined && own[name] === undefined && !isAbsolute(value)) {
      throw new SettingsError(`${file}: ${name}=${value} is a relative path, which the gateway resolves from its own working directory and a tool cannot; write it as an absolute path`);
    }
  }
  return { env: { ...fromFile, ...own }, from: resolve(file) };
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
