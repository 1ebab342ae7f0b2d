import { readFileSync } from 'node:fs';
import { assertValid } from '../schemas/registry.js';
import { fromRoot } from '../paths.js';
import type { ColorRules } from '../types/schemas.js';

export const DEFAULT_RULES_FILE = fromRoot('gateway', 'color', 'default-rules.json');

/** Reads and validates a rules file (schemas/color-rules.schema.json); the message names the file and field. */
export function loadRules(path: string = DEFAULT_RULES_FILE): ColorRules {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  try {
    return Object.freeze(assertValid<ColorRules>('color-rules', raw));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}
