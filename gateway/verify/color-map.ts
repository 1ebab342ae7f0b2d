import type { Color, ColorMap, Partner } from '../types/schemas.js';
import { dateTimeMs } from '../schemas/date-time.js';

/**
 * A partner's colour vocabulary applied to its colour claim. Vocabularies differ (未见异常,
 * integers whose meaning differs by issuer, English words, pop-up states) and change over time
 * (Fujian's 橙 before the red/yellow split), so maps carry versions. The rule that matters: a
 * value the map does not name maps to nothing — never to green, never to a guess.
 */
export interface MappedColor {
  color: Color;
  advisory: boolean;
  version: string;
}

const COLORS: ReadonlySet<string> = new Set(['green', 'yellow', 'red']);

/**
 * The map in force when the code was issued. `previousColorMaps` lists older vocabularies, each
 * valid until `until`: the applicable one is the earliest `until` still after `iat`; a code issued
 * after every `until` is read with the current map. The list order is not relied on.
 */
export function selectColorMap(partner: Pick<Partner, 'colorMap' | 'previousColorMaps'>, iatSeconds: number): ColorMap {
  let chosen: { until: number; map: ColorMap } | undefined;
  for (const previous of partner.previousColorMaps ?? []) {
    const until = dateTimeMs(previous.until);
    if (Number.isNaN(until) || iatSeconds * 1000 >= until) continue;
    if (!chosen || until < chosen.until) chosen = { until, map: previous.map };
  }
  return chosen?.map ?? partner.colorMap;
}

/** The shared colour of `value` under `map`, or undefined when the map does not name it. */
export function mapColor(map: ColorMap, value: unknown): MappedColor | undefined {
  let key: string;
  if (map.valueType === 'string') {
    if (typeof value !== 'string') return undefined;
    key = value;
  } else {
    if (typeof value !== 'number' || !Number.isInteger(value)) return undefined;
    key = String(value);
  }
  if (!Object.hasOwn(map.values, key)) return undefined;
  const entry = map.values[key];
  const color = typeof entry === 'string' ? entry : entry?.color;
  if (typeof color !== 'string' || !COLORS.has(color)) return undefined;
  const advisory = typeof entry === 'object' && entry !== null && entry.advisory === true;
  return { color: color as Color, advisory, version: map.version };
}
