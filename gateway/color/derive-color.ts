import type { Color, ColorReason, ColorRule, ColorRules } from '../types/schemas.js';
import type { HighRiskRegions, PersonEventRecord, StoredDeclaration } from '../store/store.js';

/**
 * The colour of a person is a pure function of the declaration, the epidemic data received and
 * the time (notice, Q12: "由系统自动生成，无法人工干预"). Nothing stores or sets a colour; every
 * reader derives it again, so it returns to green by itself when a rule's window passes.
 */
export interface ColorInputs {
  declaration: StoredDeclaration;
  declaredAt: number;
  events: readonly PersonEventRecord[];
  /** The person's daily check-ins (健康打卡) that rules may still hold for, fever judged at the threshold. */
  checkIns?: readonly CheckInFacts[];
  highRisk: HighRiskRegions;
  now: number;
}

/** What the rules read of one check-in. */
export interface CheckInFacts {
  at: number;
  fever: boolean;
  symptoms: readonly string[];
}

export interface DerivedColor {
  color: Color;
  reasons: ColorReason[];
}

const DAY_MS = 86_400_000;
const SEVERITY: Record<Color, number> = { green: 0, yellow: 1, red: 2 };

/**
 * Whether high-risk list entry `listed` covers travelled region `visited`: GB/T 2260 codes are
 * hierarchical, so 420000 (a province) covers 420100, and 420100 (a city) covers 420106.
 */
export function regionCovers(listed: string, visited: string): boolean {
  if (listed === visited) return true;
  if (listed.endsWith('0000')) return visited.startsWith(listed.slice(0, 2));
  if (listed.endsWith('00')) return visited.startsWith(listed.slice(0, 4));
  return false;
}

function within(start: number, days: number | undefined, now: number): boolean {
  return now >= start && (days === undefined || now < start + days * DAY_MS);
}

/** The events of `type` that hold now: after the last clearance, inside the rule's window. */
export function holdingEvents(rule: ColorRule, type: string, inputs: ColorInputs): PersonEventRecord[] {
  // A clearance ends every earlier event of the person; later events count again.
  const lastClearance = Math.max(-Infinity, ...inputs.events.filter((e) => e.type === 'clearance').map((e) => e.occurredAt));
  return inputs.events.filter((e) => e.type === type && e.occurredAt > lastClearance && within(e.occurredAt, rule.days, inputs.now));
}

function eventHolds(rule: ColorRule, type: string, inputs: ColorInputs): boolean {
  return holdingEvents(rule, type, inputs).length > 0;
}

export function declaredHolds(rule: ColorRule, condition: string, inputs: ColorInputs): boolean {
  if (!within(inputs.declaredAt, rule.days, inputs.now)) return false;
  const { declaration } = inputs;
  switch (condition) {
    case 'contact':
      return declaration.contactWithCase;
    case 'symptoms':
      return declaration.symptoms.length > 0;
    case 'travel_overseas':
      return declaration.travel14d.includes('overseas');
    case 'travel_high_risk_region':
      return declaration.travel14d.some((visited) => inputs.highRisk.regions.some((listed) => regionCovers(listed, visited)));
    default:
      return false;
  }
}

/**
 * A check-in holds like a declaration: from when it was made, for the rule's days. Only what it
 * reports counts; a clean check-in holds nothing, so it never turns a colour green by itself
 * (an earlier symptomatic one keeps holding for its window).
 */
function checkInHolds(rule: ColorRule, condition: string, inputs: ColorInputs): boolean {
  return (inputs.checkIns ?? []).some((checkIn) => {
    if (!within(checkIn.at, rule.days, inputs.now)) return false;
    if (condition === 'symptoms') return checkIn.symptoms.length > 0;
    if (condition === 'fever') return checkIn.fever;
    return false;
  });
}

/** The longest a check-in rule of `rules` holds, in days (Infinity when one holds until cleared): how far back a reader fetches check-ins. */
export function checkInLookbackDays(rules: ColorRules): number {
  const days = rules.rules.filter((rule) => rule.when.startsWith('check_in:')).map((rule) => rule.days ?? Infinity);
  return Math.max(0, ...days);
}

export function deriveColor(rules: ColorRules, inputs: ColorInputs): DerivedColor {
  let color: Color = 'green';
  const reasons: ColorReason[] = [];
  for (const rule of rules.rules) {
    const [source, condition] = rule.when.split(':') as ['event' | 'declared' | 'check_in', string];
    const holds =
      source === 'event' ? eventHolds(rule, condition, inputs) : source === 'check_in' ? checkInHolds(rule, condition, inputs) : declaredHolds(rule, condition, inputs);
    if (!holds) continue;
    if (!reasons.includes(rule.reason)) reasons.push(rule.reason);
    if (SEVERITY[rule.color] > SEVERITY[color]) color = rule.color;
  }
  return { color, reasons };
}
