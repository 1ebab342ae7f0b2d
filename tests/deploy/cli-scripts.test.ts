import { readdirSync, readFileSync } from 'node:fs';
import { fromRoot } from '../../gateway/paths.js';

/**
 * Tools run from the build (issue 11): every entry point under gateway/cli/ (a file starting with
 * `#!`) has the npm script `node dist/gateway/cli/<name>.js` — no build step, so it works after
 * `npm ci --omit=dev` and in the image — and `npm start` runs the built gateway the same way.
 */
const scripts = (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const entries = readdirSync(fromRoot('gateway', 'cli'))
  .filter((f) => f.endsWith('.ts') && readFileSync(fromRoot('gateway', 'cli', f), 'utf8').startsWith('#!'))
  .map((f) => f.replace(/\.ts$/, ''));

describe('scripts that run the build', () => {
  test('npm start runs dist/gateway/main.js without building', () => {
    expect(scripts['start']).toBe('node dist/gateway/main.js');
  });

  test.each(entries)('gateway/cli/%s.ts has the script `node dist/gateway/cli/<name>.js`', (name) => {
    expect(Object.entries(scripts).filter(([, command]) => command === `node dist/gateway/cli/${name}.js`)).toHaveLength(1);
  });

  test('a script that runs dist/gateway never builds first (tsc is a dev dependency)', () => {
    const running = Object.entries(scripts).filter(([, command]) => /dist\/gateway\//.test(command));
    expect(running.length).toBeGreaterThan(0);
    expect(running.filter(([, command]) => /\bbuild\b|\btsc\b/.test(command))).toEqual([]);
  });
});
