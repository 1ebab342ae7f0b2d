import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPartners } from '../../gateway/partners/registry.js';
import { partner } from './fixtures.js';

/** statusUri in partner files: optional, and held to the same rule as jwksUri when present. */
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hcg-status-uri-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(statusUri: string | undefined): void {
  const p = partner(statusUri === undefined ? {} : { statusUri });
  writeFileSync(join(dir, 'beijing.json'), JSON.stringify(p));
}

describe('statusUri in a partner file', () => {
  it('is optional', () => {
    write(undefined);
    expect(loadPartners(dir, { allowInsecureLoopback: false })[0]!.statusUri).toBeUndefined();
  });

  it('loads an https status URI', () => {
    write('https://healthkit.beijing.example/.well-known/health-code-status');
    expect(loadPartners(dir, { allowInsecureLoopback: false })[0]!.statusUri).toBe('https://healthkit.beijing.example/.well-known/health-code-status');
  });

  it('refuses a plain-http status URI on a public host, naming the file and /statusUri', () => {
    write('http://healthkit.beijing.example/status');
    expect(() => loadPartners(dir, { allowInsecureLoopback: true })).toThrow(/beijing\.json: \/statusUri must be https/);
  });

  it('refuses a status URI on a private address even over https', () => {
    write('https://10.1.2.3/status');
    expect(() => loadPartners(dir, { allowInsecureLoopback: false })).toThrow(/\/statusUri must not point at a private address/);
  });

  it('allows plain http on loopback only with the insecure loopback setting', () => {
    write('http://127.0.0.1:8080/status');
    expect(() => loadPartners(dir, { allowInsecureLoopback: false })).toThrow(/\/statusUri must be https/);
    expect(loadPartners(dir, { allowInsecureLoopback: true })[0]!.statusUri).toBe('http://127.0.0.1:8080/status');
  });
});
