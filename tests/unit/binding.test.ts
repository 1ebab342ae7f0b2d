import { scryptSync } from 'node:crypto';
import { createBinding, isCheckableBinding, matchesBinding, type BindingMethod } from '../../gateway/identity/binding.js';
import { matchesBinding as matchesBindingInLibrary } from '../../verifier/binding.js';

const DOC = { type: 'resident_id' as const, number: '130181199003071239' };

describe('document binding', () => {
  test('a new binding is s2: a 12-byte salt and a 16-byte hash, 45 characters instead of s1\'s 72', async () => {
    const binding = await createBinding(DOC, 15);
    expect(binding).toMatch(/^s2\.15\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}$/);
    expect(binding).toHaveLength(45);
    expect(await createBinding(DOC, 15, 's1')).toHaveLength(72);
  });

  test('an s2 hash is the first 16 bytes of the s1 computation over the same salt (scrypt dkLen 16 = truncated dkLen 32)', async () => {
    const [, logN, salt, hash] = (await createBinding(DOC, 10)).split('.') as [string, string, string, string];
    const full = scryptSync(Buffer.from(`resident_id:${DOC.number}`, 'utf8'), Buffer.from(salt, 'base64url'), 32, { N: 2 ** Number(logN), r: 8, p: 1 });
    expect(full.subarray(0, 16).toString('base64url')).toBe(hash);
  });

  describe.each<BindingMethod>(['s1', 's2'])('method %s', (method) => {
    test('matches the document it was made for, also written with spaces or a lower-case x, in the gateway and in the verifier library', async () => {
      const binding = await createBinding(DOC, 10, method);
      expect(binding.startsWith(`${method}.10.`)).toBe(true);
      expect(isCheckableBinding(binding)).toBe(true);
      expect(await matchesBinding(binding, DOC)).toBe(true);
      expect(await matchesBindingInLibrary(binding, DOC)).toBe(true);
      expect(await matchesBinding(binding, { type: 'resident_id', number: ' 130181199003071239 ' })).toBe(true);
      const withX = await createBinding({ type: 'resident_id', number: '11010519491231002X' }, 10, method);
      expect(await matchesBinding(withX, { type: 'resident_id', number: '11010519491231002x' })).toBe(true);
    });

    test('does not match another number or the same number under another document type', async () => {
      const binding = await createBinding(DOC, 10, method);
      expect(await matchesBinding(binding, { type: 'resident_id', number: '130181199003071247' })).toBe(false);
      expect(await matchesBindingInLibrary(binding, { type: 'resident_id', number: '130181199003071247' })).toBe(false);
      expect(await matchesBinding(binding, { type: 'hmt_residence_permit', number: DOC.number })).toBe(false);
    });

    test('uses a fresh salt, so two bindings of one document differ and neither contains the number', async () => {
      const a = await createBinding(DOC, 10, method);
      const b = await createBinding(DOC, 10, method);
      expect(a).not.toBe(b);
      expect(a).not.toContain(DOC.number);
    });

    test('refuses to check a binding whose cost is outside the bounds, without computing it', async () => {
      const binding = await createBinding(DOC, 10, method);
      const tooCostly = binding.replace(/^(s[12])\.10\./, '$1.30.');
      const tooCheap = binding.replace(/^(s[12])\.10\./, '$1.04.');
      expect(isCheckableBinding(tooCostly)).toBe(false);
      expect(await matchesBinding(tooCostly, DOC)).toBe(false);
      expect(await matchesBinding(tooCheap, DOC)).toBe(false);
    });
  });

  test('an s2 binding relabelled s1 (or the reverse) does not match: the lengths belong to the method', async () => {
    const s2 = await createBinding(DOC, 10, 's2');
    const s1 = await createBinding(DOC, 10, 's1');
    expect(await matchesBinding(`s1${s2.slice(2)}`, DOC)).toBe(false);
    expect(await matchesBinding(`s2${s1.slice(2)}`, DOC)).toBe(false);
  });

  test.each([9, 18, 10.5, Number.NaN])('refuses to create a binding with logN %p', async (logN) => {
    await expect(createBinding(DOC, logN)).rejects.toThrow(RangeError);
  });

  test.each([
    '',
    'garbage',
    's2.10.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    's1.10.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA',
    's3.10.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA',
    's1.10.short.short',
  ])('answers false for the malformed binding %j', async (binding) => {
    expect(isCheckableBinding(binding)).toBe(false);
    expect(await matchesBinding(binding, DOC)).toBe(false);
  });
});
