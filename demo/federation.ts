import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_PATH, partnerFromIssuerMetadata } from '../gateway/issuer/issuer-metadata.js';
import { assertValid } from '../gateway/schemas/registry.js';
import type { IssuerMetadata, Partner } from '../gateway/types/schemas.js';
import { expectJson } from './http.js';
import { freePort, GatewayProcess } from './processes.js';
import { SimCity, type CityProfile } from './sim-city.js';
import type { CityGateway } from './check-codes.js';

/**
 * The demo federation on 127.0.0.1: Xinji's gateway; for each partner city a simulated issuer
 * and a verifier node (one more instance of our gateway, configured as that city). Every
 * registration goes the way a real one would: fetch the issuer's published metadata
 * (/.well-known/health-code-issuer), turn it into a partner file with partnerFromIssuerMetadata,
 * validate it against partner.schema.json, drop it into the gateway's PARTNERS_DIR.
 */
export class Federation {
  readonly cities: SimCity[];
  xinji: GatewayProcess | undefined;
  private xinjiDevice: string | undefined;
  readonly verifiers = new Map<string, GatewayProcess>();

  constructor(
    private readonly root: string,
    profiles: readonly CityProfile[],
    private readonly riskFeedToken: string,
    private readonly step: (message: string) => void,
  ) {
    this.cities = profiles.map((p) => new SimCity(p, 12));
  }

  async start(): Promise<void> {
    for (const city of this.cities) {
      await city.start();
      this.step(`${city.profile.name} issuer     ${city.issuer}  (${city.profile.alg}, colour at ${city.profile.claims.color})`);
    }
    const cityPartners = await Promise.all(this.cities.map((c) => fetchPartner(c.metadataUrl)));

    const xinjiDir = join(this.root, 'xinji');
    for (const partner of cityPartners) writePartner(xinjiDir, partner);
    const xinji = new GatewayProcess({ label: '辛集市', dir: xinjiDir, port: await freePort(), env: { RISK_FEED_TOKEN: this.riskFeedToken } });
    this.xinji = xinji;
    await xinji.start();
    // The Xinji checkpoint of the demo is a registered device (scans need a device token).
    this.xinjiDevice = await xinji.addDevice('demo-checkpoint');
    this.step(`辛集市 gateway    ${xinji.url}  (issuer, verifier, checkpoint)`);
    const xinjiPartner = await fetchPartner(xinji.url + METADATA_PATH);

    await Promise.all(
      this.cities.map(async (city, i) => {
        const { id, name, region } = city.profile;
        const dir = join(this.root, id);
        writePartner(dir, xinjiPartner);
        cityPartners.forEach((p, j) => j !== i && writePartner(dir, p));
        const port = await freePort();
        const node = new GatewayProcess({ label: name, dir, port, env: { ISSUER_ID: id, ISSUER_NAME: name, ISSUER_REGION: region } });
        this.verifiers.set(id, node);
        await node.start();
      }),
    );
    for (const city of this.cities) this.step(`${city.profile.name} verifier   ${this.verifiers.get(city.profile.id)!.url}  (our gateway, configured as ${city.profile.id})`);
  }

  /** Every city's verifying gateway, Xinji first. */
  gateways(): CityGateway[] {
    const out: CityGateway[] = [{ id: 'xinji', name: '辛集市', url: this.xinji!.url, ...(this.xinjiDevice ? { deviceToken: this.xinjiDevice } : {}) }];
    for (const city of this.cities) out.push({ id: city.profile.id, name: city.profile.name, url: this.verifiers.get(city.profile.id)!.url });
    return out;
  }

  /** Recent output of every gateway, for a failure report. */
  outputs(): string {
    const all = [this.xinji, ...this.verifiers.values()].filter((g): g is GatewayProcess => g !== undefined);
    return all.map((g) => `--- ${g.spec.label} (${g.url})\n${g.recentOutput.trim() || '(no output)'}`).join('\n');
  }

  async stop(): Promise<void> {
    const gateways = [this.xinji, ...this.verifiers.values()].filter((g): g is GatewayProcess => g !== undefined);
    await Promise.allSettled(gateways.map((g) => g.stop()));
    await Promise.allSettled(this.cities.map((c) => c.close()));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** From a synchronous process 'exit' handler: no child outlives the demo. */
  killNow(): void {
    for (const g of [this.xinji, ...this.verifiers.values()]) g?.killNow();
  }
}

async function fetchPartner(metadataUrl: string): Promise<Partner> {
  const metadata = assertValid<IssuerMetadata>('issuer-metadata', await expectJson<unknown>(200, 'GET', metadataUrl));
  return assertValid<Partner>('partner', partnerFromIssuerMetadata(metadata));
}

function writePartner(gatewayDir: string, partner: Partner): void {
  const dir = join(gatewayDir, 'partners');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${partner.id}.json`), JSON.stringify(partner, null, 2) + '\n');
}
