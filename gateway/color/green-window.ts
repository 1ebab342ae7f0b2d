import { declaredHolds, holdingEvents, type ColorInputs } from './derive-color.js';
import type { Color, ColorReason, ColorRules } from '../types/schemas.js';

const DAY_MS = 86_400_000;

/** One reason that holds now, and when it ends by itself (null: only after review, a clearance). */
export interface ReasonWindow {
  reason: ColorReason;
  color: Color;
  until: number | null;
}

/**
 * When may a yellow or red code turn green (notice Q1, Q12: the colour changes by itself as the
 * data changes)? Each rule that holds now ends at the end of its window — the latest event of its
 * type plus the rule's days, or the declaration plus the rule's days — or never by itself when the
 * rule has no window (a confirmed case, a false report: red until a clearance after review).
 * A high-risk region's window may end earlier, when the region leaves the list; `until` is then
 * the latest it can last. The same windows deriveColor reads (derive-color.ts `within`), so the
 * answer and the colour cannot disagree.
 */
export function reasonWindows(rules: ColorRules, inputs: ColorInputs): ReasonWindow[] {
  const windows: ReasonWindow[] = [];
  for (const rule of rules.rules) {
    const [source, condition] = rule.when.split(':') as ['event' | 'declared' | 'check_in', string];
    let until: number | null;
    if (source === 'event') {
      const events = holdingEvents(rule, condition, inputs);
      if (events.length === 0) continue;
      until = rule.days === undefined ? null : Math.max(...events.map((e) => e.occurredAt)) + rule.days * DAY_MS;
    } else if (source === 'check_in') {
      // The daily check-ins (健康打卡) that hold: the latest one's window ends last.
      const holding = (inputs.checkIns ?? []).filter((c) => inputs.now >= c.at && (rule.days === undefined || inputs.now < c.at + rule.days * DAY_MS)
        && (condition === 'symptoms' ? c.symptoms.length > 0 : condition === 'fever' ? c.fever : false));
      if (holding.length === 0) continue;
      until = rule.days === undefined ? null : Math.max(...holding.map((c) => c.at)) + rule.days * DAY_MS;
    } else {
      if (!declaredHolds(rule, condition, inputs)) continue;
      until = rule.days === undefined ? null : inputs.declaredAt + rule.days * DAY_MS;
    }
    const same = windows.find((w) => w.reason === rule.reason);
    if (!same) windows.push({ reason: rule.reason, color: rule.color, until });
    else if (same.until !== null) same.until = until === null ? null : Math.max(same.until, until);
  }
  return windows;
}

/** The earliest time the colour can be green again, or null when a reason ends only after review; now when green. */
export function greenFrom(windows: readonly ReasonWindow[], now: number): number | null {
  if (windows.some((w) => w.until === null)) return null;
  return windows.reduce((latest, w) => Math.max(latest, w.until!), now);
}
