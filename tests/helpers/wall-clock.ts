import { jest } from '@jest/globals';

/**
 * rate-limiter-flexible reads Date.now() for its windows; these fake only Date (timers, promises
 * and sockets stay real), so a test moves the limits' clock by hand, deterministically.
 */
export function fakeWallClock(start = Date.parse('2026-11-27T00:00:00Z')): { advance(ms: number): void; restore(): void } {
  let now = start;
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
  return {
    advance(ms: number) {
      now += ms;
    },
    restore() {
      spy.mockRestore();
    },
  };
}
