import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { BINDING_VERSION, createBinding } from '../gateway/identity/binding.js';
import { maskDocumentNumber, maskName } from '../gateway/identity/documents.js';
import { METADATA_PATH, STATUS_PATH } from '../gateway/issuer/issuer-metadata.js';
import { assertValid, schemaId } from '../gateway/schemas/registry.js';
import type { ColorMap, IdentityDocument, IssuerMetadata, Partner, PublicJwk } from '../gateway/types/schemas.js';
import { setPointer } from '../gateway/verify/json-pointer.js';

/**
 * A simulated partner city's health-code issuer: its own key pair, its own claim layout and colour
 * vocabulary, served on 127.0.0.1 like a real issuer (JWKS + issuer metadata). It is deliberately
 * NOT our gateway: it shows that any issuer publishing keys and a claim description can be
 * recognised. Codes carry a document binding in the federation's shared format (createBinding),
 * so checkpoints in other cities can check the presented document.
 */
export interface CityProfile {
  id: string;
  name: string;
  region: string;
  alg: 'ES256' | 'EdDSA';
  typ: string;
  jwksPath: string;
  /** Where each fact sits in this city's payload (JSON Pointers, RFC 6901). */
  claims: Partner['claims'];
  colorMap: ColorMap;
}

export interface Person {
  name: string;
  document: IdentityDocument;
}

/** Writes `value` at a JSON Pointer, creating objects on the way (RFC 6901 §4 unescaping). */
export class SimCity {
  private server: Server | undefined;
  private privateKey: CryptoKey | undefined;
  private jwk: PublicJwk | undefined;
  private base = '';

  constructor(
    readonly profile: CityProfile,
    private readonly bindingLogN: number,
  ) {}

  get issuer(): string {
    return this.base;
  }

  get metadataUrl(): string {
    return this.base + METADATA_PATH;
  }

  async start(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(this.profile.alg, { extractable: true });
    const jwk = await exportJWK(publicKey);
    this.privateKey = privateKey;
    this.jwk = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: this.profile.alg, use: 'sig' } as PublicJwk;
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** What this city publishes about itself, in the federation's issuer-metadata format. */
  metadata(): IssuerMetadata {
    const { profile } = this;
    return assertValid<IssuerMetadata>('issuer-metadata', {
      issuer: this.base,
      id: profile.id,
      name: profile.name,
      region: profile.region,
      jwks_uri: this.base + profile.jwksPath,
      status_uri: this.base + STATUS_PATH,
      credential_schema: schemaId('normalized-credential'),
      typ: profile.typ,
      algorithms_supported: [profile.alg],
      claims: profile.claims,
      color_map: profile.colorMap,
      binding_methods_supported: [BINDING_VERSION],
    });
  }

  /** Signs a code with `colorValue` as is — including values the city's own map does not name. */
  async issue(person: Person, colorValue: string | number, now: number = Date.now()): Promise<string> {
    if (!this.privateKey || !this.jwk) throw new Error(`${this.profile.id}: not started`);
    const { claims } = this.profile;
    const payload: Record<string, unknown> = {};
    setPointer(payload, claims.color, colorValue);
    if (claims.nameMasked) setPointer(payload, claims.nameMasked, maskName(person.name));
    if (claims.documentMasked) setPointer(payload, claims.documentMasked, maskDocumentNumber(person.document.number));
    if (claims.documentType) setPointer(payload, claims.documentType, person.document.type);
    if (claims.binding) setPointer(payload, claims.binding, await createBinding(person.document, this.bindingLogN));
    const iat = Math.floor(now / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: this.profile.alg, kid: this.jwk.kid!, typ: this.profile.typ })
      .setIssuer(this.base)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + 15 * 60)
      .sign(this.privateKey);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: 'method not allowed' });
    if (path === this.profile.jwksPath) return send(200, { keys: [this.jwk] });
    if (path === METADATA_PATH) return send(200, this.metadata());
    if (path === STATUS_PATH) return send(200, { issuer: this.base, generatedAt: new Date().toISOString(), entries: [] });
    send(404, { error: 'not found' });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
