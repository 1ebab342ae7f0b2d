import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPartners, PartnerRegistry } from '../../gateway/partners/registry.js';
import type { Partner } from '../../gateway/types/schemas.js';
import { partner } from './fixtures.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'partners-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

function write(file: string, value: unknown): void {
  writeFileSync(join(dir, file), typeof value === 'string' ? value : JSON.stringify(value));
}
const strict = { allowInsecureLoopback: false };
const loose = { allowInsecureLoopback: true };
const load = (options = strict): Partner[] => loadPartners(dir, options);

describe('loadPartners', () => {
  it('loads every <id>.json, frozen, and ignores files that are not JSON', () => {
    write('beijing.json', partner());
    write('fujian.json', partner({ id: 'fujian', issuer: 'https://fujian.example', region: '350000' }));
    write('README.md', '# partners');
    const partners = load();
    expect(partners.map((p) => p.id)).toEqual(['beijing', 'fujian']);
    expect(Object.isFrozen(partners[0]!.colorMap.values)).toBe(true);
  });

  it('names the file and the JSON path of a colour that is not in the shared vocabulary', () => {
    write('beijing.json', partner({ colorMap: { version: '1', valueType: 'string', values: { 弹窗: { color: 'purple' as 'red' } } } }));
    expect(load).toThrow(/beijing\.json: \/colorMap\/values\/弹窗\/color must be one of green, yellow, red/);
  });

  it('names the missing member with its JSON path', () => {
    const { claims: _claims, ...rest } = partner();
    write('beijing.json', { ...rest, claims: {} });
    expect(load).toThrow(/beijing\.json: \/claims\/color is required/);
  });

  it('names an unknown member with its JSON path', () => {
    write('beijing.json', { ...partner(), jku: 'https://evil.example' });
    expect(load).toThrow(/beijing\.json: \/jku is not a known field/);
  });

  it('names the file that is not valid JSON', () => {
    write('beijing.json', '{ "id": ');
    expect(load).toThrow(/beijing\.json: not valid JSON/);
  });

  it('refuses a file whose name is not its id', () => {
    write('shanghai.json', partner());
    expect(load).toThrow(/shanghai\.json: \/id is "beijing"/);
  });

  it('refuses two partners with the same issuer, naming both files', () => {
    write('beijing.json', partner());
    write('beijing-two.json', partner({ id: 'beijing-two' }));
    expect(load).toThrow(/beijing\.json: \/issuer is also the issuer of .*beijing-two\.json/);
  });

  it('refuses algorithms that the pinned list does not allow, such as none or HS256', () => {
    write('beijing.json', partner({ algorithms: ['HS256' as 'ES256'] }));
    expect(load).toThrow(/beijing\.json: \/algorithms\/0 must be one of ES256/);
  });

  it('refuses typ aliases without a typ, and a pass typ among the codes\' typ values', () => {
    write('beijing.json', partner({ typAliases: ['hc+jwt'] }));
    expect(load).toThrow(/beijing\.json: \/typAliases needs \/typ/);
    const pass = { typ: 'bj-pass+jwt', maxLifetimeSeconds: 86_400 };
    write('beijing.json', partner({ typ: 'bj-code+jwt', typAliases: ['bj+jwt', 'bj-pass+jwt'], pass, statusUri: 'https://healthkit.beijing.example/status' }));
    expect(load).toThrow(/beijing\.json: \/typAliases must not contain \/pass\/typ \("bj-pass\+jwt"\): a pass is not a code/);
    write('beijing.json', partner({ typ: 'bj-pass+jwt', pass, statusUri: 'https://healthkit.beijing.example/status' }));
    expect(load).toThrow(/\/pass\/typ must differ from \/typ/);
    write('beijing.json', partner({ typ: 'bj-code+jwt', typAliases: ['bj+jwt'], pass, statusUri: 'https://healthkit.beijing.example/status' }));
    expect(load().map((p) => p.typAliases)).toEqual([['bj+jwt']]);
  });

  it('refuses a plain http JWKS URI on a public host even with the insecure loopback setting', () => {
    write('beijing.json', partner({ jwksUri: 'http://healthkit.beijing.example/jwks.json' }));
    expect(() => load(loose)).toThrow(/beijing\.json: \/jwksUri must be https/);
  });

  it('refuses a plain http loopback JWKS URI without the insecure loopback setting', () => {
    write('beijing.json', partner({ jwksUri: 'http://127.0.0.1:8081/jwks.json' }));
    expect(() => load(strict)).toThrow(/beijing\.json: \/jwksUri must be https/);
  });

  it.each(['http://127.0.0.1:8081/jwks.json', 'http://[::1]:8081/jwks.json', 'http://localhost:8081/jwks.json'])(
    'accepts the plain http loopback JWKS URI %s with the insecure loopback setting', (jwksUri) => {
      write('beijing.json', partner({ jwksUri }));
      expect(load(loose)[0]!.jwksUri).toBe(jwksUri);
    },
  );

  it.each(['https://10.0.0.5/jwks.json', 'https://169.254.169.254/latest', 'https://[fd00::1]/jwks.json', 'https://user:pw@healthkit.beijing.example/jwks.json', 'ftp://healthkit.beijing.example/jwks.json'])(
    'refuses the JWKS URI %s', (jwksUri) => {
      write('beijing.json', partner({ jwksUri }));
      expect(() => load(loose)).toThrow(/beijing\.json: \/jwksUri/);
    },
  );
});

describe('PartnerRegistry', () => {
  const self = partner({ id: 'xinji', issuer: 'https://gateway.xinji.example', region: '130181' });
  const beijing = partner();

  it('finds partners by exact issuer and by id, with the own issuer always present', () => {
    const registry = new PartnerRegistry([beijing], self);
    expect(registry.byIssuer('https://healthkit.beijing.example')).toBe(beijing);
    expect(registry.byIssuer('https://healthkit.beijing.example/')).toBeUndefined();
    expect(registry.byIssuer('HTTPS://healthkit.beijing.example')).toBeUndefined();
    expect(registry.byIssuer('constructor')).toBeUndefined();
    expect(registry.byId('xinji')).toBe(self);
    expect(registry.list().map((p) => p.id)).toEqual(['xinji', 'beijing']);
    expect(registry.selfId).toBe('xinji');
  });

  it('swaps the partner set on reload and keeps the own issuer', () => {
    const registry = new PartnerRegistry([beijing], self);
    const fujian = partner({ id: 'fujian', issuer: 'https://fujian.example' });
    registry.reload([fujian]);
    expect(registry.byId('beijing')).toBeUndefined();
    expect(registry.byIssuer('https://fujian.example')).toBe(fujian);
    expect(registry.byId('xinji')).toBe(self);
  });

  it('keeps the old set when a reload would let a partner claim the own issuer', () => {
    const registry = new PartnerRegistry([beijing], self);
    expect(() => registry.reload([partner({ id: 'fake', issuer: self.issuer })])).toThrow(/issuer/);
    expect(registry.byIssuer(self.issuer)).toBe(self);
    expect(registry.byId('beijing')).toBe(beijing);
  });
});
