import { deriveColor, regionCovers, type ColorInputs } from '../../gateway/color/derive-color.js';
import { loadRules } from '../../gateway/color/rules-file.js';
import type { PersonEventRecord, PersonEventType, StoredDeclaration } from '../../gateway/store/store.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-27T00:00:00Z');
const rules = loadRules();

function declaration(overrides: Partial<StoredDeclaration> = {}): StoredDeclaration {
  return { residence: 'permanent', travel14d: ['130100'], symptoms: [], contactWithCase: false, ...overrides };
}

let seq = 0;
function event(type: PersonEventType, occurredAt: number): PersonEventRecord {
  seq += 1;
  return { id: `e${seq}`, type, documentKey: 'k', occurredAt, receivedAt: occurredAt };
}

function derive(overrides: Partial<ColorInputs> = {}): ReturnType<typeof deriveColor> {
  return deriveColor(rules, {
    declaration: declaration(),
    declaredAt: T0,
    events: [],
    highRisk: { regions: [], effectiveAt: 0 },
    now: T0 + 1000,
    ...overrides,
  });
}

describe('deriveColor with the default rules', () => {
  test('gives green with no reason to a plain declaration with no epidemic data', () => {
    expect(derive()).toEqual({ color: 'green', reasons: [] });
  });

  test.each<[PersonEventType, string]>([
    ['confirmed_case', 'confirmed_case'],
    ['close_contact', 'close_contact'],
    ['false_report', 'false_report'],
  ])('makes a %s event red with reason %s', (type, reason) => {
    expect(derive({ events: [event(type, T0)] })).toEqual({ color: 'red', reasons: [reason] });
  });

  test.each<[Partial<StoredDeclaration>, string]>([
    [{ contactWithCase: true }, 'declared_contact'],
    [{ symptoms: ['fever'] }, 'declared_symptoms'],
    [{ travel14d: ['overseas'] }, 'travel_overseas'],
  ])('makes the declaration %j yellow with reason %s', (overrides, reason) => {
    expect(derive({ declaration: declaration(overrides) })).toEqual({ color: 'yellow', reasons: [reason] });
  });

  test('makes travel through a region on the high-risk list yellow with reason travel_high_risk_region', () => {
    expect(derive({ highRisk: { regions: ['130100'], effectiveAt: T0 } })).toEqual({ color: 'yellow', reasons: ['travel_high_risk_region'] });
    expect(derive({ highRisk: { regions: ['420100'], effectiveAt: T0 } })).toEqual({ color: 'green', reasons: [] });
  });

  test('lets red beat yellow and keeps every reason', () => {
    const result = derive({ declaration: declaration({ symptoms: ['cough'], travel14d: ['overseas'] }), events: [event('confirmed_case', T0)] });
    expect(result.color).toBe('red');
    expect(result.reasons).toEqual(expect.arrayContaining(['confirmed_case', 'declared_symptoms', 'travel_overseas']));
  });

  test('keeps a close contact red for 14 days, then returns to green by itself', () => {
    const events = [event('close_contact', T0)];
    expect(derive({ events, now: T0 + 14 * DAY - 1 }).color).toBe('red');
    expect(derive({ events, now: T0 + 14 * DAY }).color).toBe('green');
    expect(derive({ events, now: T0 + 30 * DAY })).toEqual({ color: 'green', reasons: [] });
  });

  test('returns declared symptoms and travel to green 14 days after the declaration', () => {
    const yellow = declaration({ symptoms: ['fever'], travel14d: ['overseas'] });
    expect(derive({ declaration: yellow, now: T0 + 14 * DAY - 1 }).color).toBe('yellow');
    expect(derive({ declaration: yellow, now: T0 + 14 * DAY }).color).toBe('green');
  });

  // Each 14-day window at its boundary (issue 25, §4): the last millisecond inside, the first outside.
  test.each<[string, Partial<ColorInputs>, 'red' | 'yellow']>([
    ['a close contact, from the contact', { events: [event('close_contact', T0)] }, 'red'],
    ['a declared contact with a case, from the declaration', { declaration: declaration({ contactWithCase: true }) }, 'yellow'],
    ['declared symptoms, from the declaration', { declaration: declaration({ symptoms: ['cough'] }) }, 'yellow'],
    ['travel overseas, from the declaration', { declaration: declaration({ travel14d: ['overseas'] }) }, 'yellow'],
    ['travel through a listed high-risk region, from the declaration', { highRisk: { regions: ['130100'], effectiveAt: T0 } }, 'yellow'],
  ])('ends the window of %s exactly 14 days later', (_name, inputs, color) => {
    expect(derive({ ...inputs, now: T0 + 14 * DAY - 1 }).color).toBe(color);
    expect(derive({ ...inputs, now: T0 + 14 * DAY })).toEqual({ color: 'green', reasons: [] });
  });

  test('ends a high-risk region\'s yellow as soon as the region leaves the list, before its 14 days', () => {
    expect(derive({ highRisk: { regions: ['130100'], effectiveAt: T0 }, now: T0 + 3 * DAY }).color).toBe('yellow');
    expect(derive({ highRisk: { regions: ['420100'], effectiveAt: T0 + 2 * DAY }, now: T0 + 3 * DAY }).color).toBe('green');
  });

  test('keeps a confirmed case red without end until a clearance', () => {
    const events = [event('confirmed_case', T0)];
    expect(derive({ events, now: T0 + 365 * DAY }).color).toBe('red');
    expect(derive({ events: [...events, event('clearance', T0 + 20 * DAY)], now: T0 + 21 * DAY })).toEqual({ color: 'green', reasons: [] });
  });

  test('lets a clearance end every earlier event but not a later one', () => {
    const events = [event('false_report', T0), event('close_contact', T0 + DAY), event('clearance', T0 + 2 * DAY)];
    expect(derive({ events, now: T0 + 3 * DAY }).color).toBe('green');
    const later = [...events, event('confirmed_case', T0 + 4 * DAY)];
    expect(derive({ events: later, now: T0 + 5 * DAY })).toEqual({ color: 'red', reasons: ['confirmed_case'] });
  });

  test('ignores an event dated after the current time', () => {
    expect(derive({ events: [event('close_contact', T0 + DAY)], now: T0 }).color).toBe('green');
  });
});

describe('regionCovers', () => {
  test.each([
    ['130181', '130181', true],
    ['130181', '130182', false],
    ['130100', '130181', true],
    ['130100', '130102', true],
    ['130100', '130200', false],
    ['130000', '130181', true],
    ['130000', '130100', true],
    ['420000', '130181', false],
    ['110000', '110105', true],
  ])('says that list entry %s covers travel to %s: %p', (listed, visited, covers) => {
    expect(regionCovers(listed, visited)).toBe(covers);
  });
});

describe('deriveColor with daily check-ins (健康打卡)', () => {
  test('a reported fever or symptom is yellow for exactly 14 days from that check-in', () => {
    const checkIns = [{ at: T0, fever: true, symptoms: ['cough'] }];
    expect(derive({ checkIns, now: T0 })).toEqual({ color: 'yellow', reasons: ['check_in_symptoms', 'check_in_fever'] });
    expect(derive({ checkIns, now: T0 + 14 * DAY - 1 }).color).toBe('yellow');
    expect(derive({ checkIns, now: T0 + 14 * DAY })).toEqual({ color: 'green', reasons: [] });
  });

  test('a clean check-in never turns a colour green by itself', () => {
    const checkIns = [
      { at: T0, fever: false, symptoms: ['fatigue'] },
      { at: T0 + DAY, fever: false, symptoms: [] },
    ];
    expect(derive({ checkIns, now: T0 + 2 * DAY })).toEqual({ color: 'yellow', reasons: ['check_in_symptoms'] });
    expect(derive({ declaration: declaration({ contactWithCase: true }), checkIns: [{ at: T0, fever: false, symptoms: [] }] }).color).toBe('yellow');
  });
});
