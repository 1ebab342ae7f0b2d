import { deriveColor, type ColorInputs } from '../../gateway/color/derive-color.js';
import { greenFrom, reasonWindows } from '../../gateway/color/green-window.js';
import { loadRules } from '../../gateway/color/rules-file.js';
import type { PersonEventRecord, PersonEventType, StoredDeclaration } from '../../gateway/store/store.js';

/**
 * "When may it turn green" (issue 25, §4): the end of each 14-day window, or after review for a
 * reason without one. The answer must agree with deriveColor at the boundary itself.
 */
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-27T00:00:00Z');
const rules = loadRules();
let seq = 0;
const event = (type: PersonEventType, occurredAt: number): PersonEventRecord => ({ id: `e${++seq}`, type, documentKey: 'k', occurredAt, receivedAt: occurredAt });
const declaration = (overrides: Partial<StoredDeclaration> = {}): StoredDeclaration => ({ residence: 'permanent', travel14d: ['130100'], symptoms: [], contactWithCase: false, ...overrides });
const inputs = (overrides: Partial<ColorInputs> = {}): ColorInputs => ({
  declaration: declaration(), declaredAt: T0, events: [], highRisk: { regions: [], effectiveAt: 0 }, now: T0 + DAY, ...overrides,
});

describe('when a code may turn green', () => {
  test('says the declared contact window ends 14 days after the declaration, where the colour turns green', () => {
    const at = inputs({ declaration: declaration({ contactWithCase: true }) });
    const windows = reasonWindows(rules, at);
    expect(windows).toEqual([{ reason: 'declared_contact', color: 'yellow', until: T0 + 14 * DAY }]);
    const until = greenFrom(windows, at.now)!;
    expect(deriveColor(rules, { ...at, now: until - 1 }).color).toBe('yellow');
    expect(deriveColor(rules, { ...at, now: until }).color).toBe('green');
  });

  test('takes the latest close contact and the latest of several reasons', () => {
    const at = inputs({
      declaration: declaration({ symptoms: ['fever'] }),
      events: [event('close_contact', T0 - 5 * DAY), event('close_contact', T0 + 2 * DAY)],
      now: T0 + 3 * DAY,
    });
    const windows = reasonWindows(rules, at);
    expect(windows).toEqual([
      { reason: 'close_contact', color: 'red', until: T0 + 16 * DAY },
      { reason: 'declared_symptoms', color: 'yellow', until: T0 + 14 * DAY },
    ]);
    expect(greenFrom(windows, at.now)).toBe(T0 + 16 * DAY);
    expect(deriveColor(rules, { ...at, now: T0 + 16 * DAY - 1 }).color).toBe('red');
    expect(deriveColor(rules, { ...at, now: T0 + 16 * DAY }).color).toBe('green');
  });

  test('says a high-risk region lasts at most 14 days from the declaration', () => {
    const windows = reasonWindows(rules, inputs({ highRisk: { regions: ['130000'], effectiveAt: T0 } }));
    expect(windows).toEqual([{ reason: 'travel_high_risk_region', color: 'yellow', until: T0 + 14 * DAY }]);
  });

  test('has no end for a confirmed case or a false report: green only after review', () => {
    const windows = reasonWindows(rules, inputs({ events: [event('confirmed_case', T0)], declaration: declaration({ symptoms: ['cough'] }) }));
    expect(windows.map((w) => [w.reason, w.until])).toEqual([['confirmed_case', null], ['declared_symptoms', T0 + 14 * DAY]]);
    expect(greenFrom(windows, T0 + DAY)).toBeNull();
    expect(greenFrom(reasonWindows(rules, inputs({ events: [event('false_report', T0)] })), T0 + DAY)).toBeNull();
  });

  test('ends a symptom reported at a daily check-in 14 days after that check-in, where the colour turns green', () => {
    const at = inputs({ checkIns: [{ at: T0 + 2 * DAY, fever: false, symptoms: ['cough'] }], now: T0 + 3 * DAY });
    const windows = reasonWindows(rules, at);
    expect(windows).toEqual([{ reason: 'check_in_symptoms', color: 'yellow', until: T0 + 16 * DAY }]);
    expect(deriveColor(rules, { ...at, now: T0 + 16 * DAY - 1 }).color).toBe('yellow');
    expect(deriveColor(rules, { ...at, now: T0 + 16 * DAY }).color).toBe('green');
  });

  test('is now for a green code', () => {
    expect(reasonWindows(rules, inputs())).toEqual([]);
    expect(greenFrom([], T0 + DAY)).toBe(T0 + DAY);
  });
});
