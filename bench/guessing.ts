import { gb11643CheckChar } from '../gateway/identity/documents.js';
import { formatDuration } from './measure.js';

/**
 * How many resident ID numbers fit a masked number, counted by enumeration rather than estimated:
 * an attacker holding one code scrypts exactly these candidates against its binding.
 *
 * Layout (GB 11643): 6 region digits, 8 birth-date digits, 3 sequence digits, 1 check character.
 * Two masks are understood:
 * - `1301**************`, what codes carry (maskDocumentNumber): region digits 5–6, the birth
 *   date and the whole sequence are hidden; the check character follows from the rest, so it
 *   filters nothing.
 * - `1301**********1239`, the display convention: the sequence AND the check character are
 *   visible, only region digits 5–6 and the birth date are hidden, and the known check character
 *   discards about 10 of every 11 of those. This is why codes do not carry it.
 */
export interface CandidateCount {
  /** Hidden region digits × valid birth dates (× hidden sequences), before the check character is used. */
  beforeCheck: number;
  /** Those consistent with a visible check character (all of them when it is hidden). */
  afterCheck: number;
  /** Of those, the ones in `likelyRegion` (an attacker tries the issuer's own region first). */
  likelyRegionAfterCheck: number;
}

export function countCandidates(masked: string, likelyRegion: string, now: Date, earliestYear = 1900): CandidateCount {
  const tailShown = /^\d{4}\*{10}\d{3}[\dX]$/.test(masked);
  if (!tailShown && !/^\d{4}\*{14}$/.test(masked)) {
    throw new Error('expected a masked resident ID like 1301************** or 1301**********1239');
  }
  const head = masked.slice(0, 4);
  const sequence = masked.slice(14, 17);
  const check = masked[17]!;
  const perPair = tailShown ? 1 : 1000; // hidden sequences per (region, date); the check char follows
  let beforeCheck = 0;
  let afterCheck = 0;
  let likelyRegionAfterCheck = 0;
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let day = Date.UTC(earliestYear, 0, 1); day <= end; day += 86_400_000) {
    const birth = new Date(day).toISOString().slice(0, 10).replace(/-/g, '');
    for (let r = 0; r < 100; r++) {
      beforeCheck += perPair;
      const region = head + String(r).padStart(2, '0');
      if (tailShown && gb11643CheckChar(region + birth + sequence) !== check) continue;
      afterCheck += perPair;
      if (region === likelyRegion) likelyRegionAfterCheck += perPair;
    }
  }
  return { beforeCheck, afterCheck, likelyRegionAfterCheck };
}

/** Lines of text: exhaustive and average search time for `candidates` guesses of `secondsPerGuess`. */
export function guessingEstimate(label: string, candidates: number, secondsPerGuess: number): string {
  const total = candidates * secondsPerGuess;
  return (
    `${label}: ${candidates.toExponential(2)} guesses × ${(secondsPerGuess * 1000).toFixed(1)} ms = ` +
    `${formatDuration(total)} on one core (on average half: ${formatDuration(total / 2)}); ` +
    `${formatDuration(total / 64)} on 64 cores`
  );
}
