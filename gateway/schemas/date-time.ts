/**
 * The instant (epoch ms) of a string that passed the schemas' `format: date-time` (RFC 3339 §5.6),
 * or NaN. Date.parse refuses the leap second RFC 3339 allows (`23:59:60Z`, with or without a
 * fraction or offset), which ajv's format lets through: it is read as the second after `:59`, as
 * POSIX time folds it. Found by the fuzzer: a risk event at `2026-12-31T23:59:60Z` answered 500.
 */
export function dateTimeMs(text: string): number {
  const ms = Date.parse(text);
  if (!Number.isNaN(ms)) return ms;
  const leap = /^(.*[Tt ]\d\d:\d\d:)60(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.exec(text);
  return leap ? Date.parse(`${leap[1]}59${leap[2] ?? ''}${leap[3]}`) + 1000 : NaN;
}
