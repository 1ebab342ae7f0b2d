import { createBinding, isCheckableBinding, matchesBinding } from '../../gateway/identity/binding.js';

const DOC = { type: 'resident_id' as const, number: '130181199003071239' };

describe('document binding', () => {
  test('matches the document it was made for, also written with spaces or a lower-case x', async () => {
    const binding = await createBinding(DOC, 10);
    expect(isCheckableBinding(binding)).toBe(true);
    expect(await matchesBinding(binding, DOC)).toBe(true);
    expect(await matchesBinding(binding, { type: 'resident_id', number: ' 130181199003071239 ' })).toBe(true);
    const withX = await createBinding({ type: 'resident_id', number: '11010519491231002X' }, 10);
    expect(await matchesBinding(withX, { type: 'resident_id', number: '11010519491231002x' })).toBe(true);
  });

  test('does not match another number or the same number under another document type', async () => {
    const binding = await createBinding(DOC, 10);
    expect(await matchesBinding(binding, { type: 'resident_id', number: '130181199003071247' })).toBe(false);
    expect(await matchesBinding(binding, { type: 'hmt_residence_permit', number: DOC.number })).toBe(false);
  });

  test('uses a fresh salt, so two bindings of one document differ and neither contains the number', async () => {
    const a = await createBinding(DOC, 10);
    const b = await createBinding(DOC, 10);
    expect(a).not.toBe(b);
    expect(a).not.toContain(DOC.number);
  });

  test.each([9, 18, 10.5, Number.NaN])('refuses to create a binding with logN %p', async (logN) => {
    await expect(createBinding(DOC, logN)).rejects.toThrow(RangeError);
  });

  test('refuses to check a binding whose cost is outside the bounds, without computing it', async () => {
    const binding = await createBinding(DOC, 10);
    const tooCostly = binding.replace(/^s1\.10\./, 's1.30.');
    const tooCheap = binding.replace(/^s1\.10\./, 's1.04.');
    expect(isCheckableBinding(tooCostly)).toBe(false);
    expect(await matchesBinding(tooCostly, DOC)).toBe(false);
    expect(await matchesBinding(tooCheap, DOC)).toBe(false);
  });

  test.each(['', 'garbage', 's2.10.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 's1.10.short.short'])(
    'answers false for the malformed binding %j',
    async (binding) => {
      expect(isCheckableBinding(binding)).toBe(false);
      expect(await matchesBinding(binding, DOC)).toBe(false);
    },
  );
});
