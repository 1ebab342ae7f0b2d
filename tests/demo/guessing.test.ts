import { countCandidates } from '../../bench/guessing.js';
import { maskDocumentNumber } from '../../gateway/identity/documents.js';

/** The bench's count of the resident IDs an attacker must try against one code's binding. */
describe('countCandidates', () => {
  const number = '130181199003071239';
  // The display convention, which codes do NOT carry: it shows the sequence and check character.
  const masked = `${number.slice(0, 4)}**********${number.slice(-4)}`;
  const endOf1990 = new Date('1990-12-31T12:00:00Z');

  it('counts every hidden region pair and birth date of the range before using the check character', () => {
    const count = countCandidates(masked, '130181', endOf1990, 1990);
    expect(count.beforeCheck).toBe(100 * 365);
  });

  it('keeps about one candidate in eleven once the visible check character is used', () => {
    const count = countCandidates(masked, '130181', endOf1990, 1990);
    expect(count.afterCheck).toBeGreaterThan((100 * 365) / 11 - 200);
    expect(count.afterCheck).toBeLessThan((100 * 365) / 11 + 200);
  });

  it("keeps about one candidate in eleven of the issuer's region as well, the real number among them", () => {
    const count = countCandidates(masked, '130181', endOf1990, 1990);
    expect(count.likelyRegionAfterCheck).toBeGreaterThan(20);
    expect(count.likelyRegionAfterCheck).toBeLessThan(50);
    // For one region and one date the check character is fixed, so the day of the real birth date
    // adds exactly one candidate in the real region: the real number.
    const through = (iso: string): number => countCandidates(masked, '130181', new Date(iso), 1990).likelyRegionAfterCheck;
    expect(through('1990-03-07T12:00:00Z')).toBe(through('1990-03-06T12:00:00Z') + 1);
  });

  it('counts every region pair, birth date and sequence behind the mask that codes carry', () => {
    const codeMask = maskDocumentNumber(number);
    expect(codeMask).toBe('1301**************');
    const count = countCandidates(codeMask, '130181', endOf1990, 1990);
    expect(count.afterCheck).toBe(100 * 365 * 1000);
    expect(count.likelyRegionAfterCheck).toBe(365 * 1000);
  });

  it('refuses a mask it does not understand', () => {
    expect(() => countCandidates('13************1239', '130181', endOf1990)).toThrow();
  });
});
