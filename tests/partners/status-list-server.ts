import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CredentialStatusEntry, CredentialStatusList } from '../../gateway/types/schemas.js';
import { LoopbackServer } from './loopback-server.js';

/**
 * A real partner status-list server on 127.0.0.1:0 (GET /status) that counts its requests and can
 * misbehave in the ways a verifier must survive. `entries` and `issuer` make the list it serves.
 */
export type StatusServerMode = 'ok' | 'unavailable' | 'redirect' | 'not_json' | 'invalid' | 'declared_huge' | 'endless' | 'reset';

export const STATUS_PATH = '/status';

export class StatusListServer extends LoopbackServer {
  requests = 0;
  mode: StatusServerMode = 'ok';
  entries: CredentialStatusEntry[] = [];
  cacheControl: string | null = null;

  /** `issuer` is the iss of the partner's codes; a list naming another issuer is a test case. */
  constructor(public issuer: string, private readonly generatedAt: () => number = Date.now) {
    super();
  }

  async start(port = 0): Promise<this> {
    await this.listen(port);
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${STATUS_PATH}`;
  }

  protected handle(_req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.cacheControl !== null) headers['cache-control'] = this.cacheControl;
    switch (this.mode) {
      case 'ok': {
        const list: CredentialStatusList = { issuer: this.issuer, generatedAt: new Date(this.generatedAt()).toISOString(), entries: this.entries };
        res.writeHead(200, headers).end(JSON.stringify(list));
        return;
      }
      case 'unavailable':
        res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
        return;
      case 'redirect':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      case 'not_json':
        res.writeHead(200, headers).end('<html>status</html>');
        return;
      case 'invalid':
        // An entry with a status the schema does not know: the whole list is refused.
        res.writeHead(200, headers).end(JSON.stringify({ issuer: this.issuer, generatedAt: new Date(this.generatedAt()).toISOString(), entries: [{ jti: 'x', status: 'suspended', since: '2026-11-27T00:00:00Z', expiresAt: '2026-11-27T00:15:00Z' }] }));
        return;
      case 'declared_huge':
        res.writeHead(200, { ...headers, 'content-length': String(64 * 1024 * 1024) });
        res.write('{"issuer":');
        return; // the client must give up on the declared length alone
      case 'endless': {
        res.writeHead(200, headers);
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        const pump = (): void => { while (!res.destroyed && res.write(chunk)); };
        res.on('drain', pump);
        pump();
        return;
      }
      case 'reset':
        res.socket?.destroy();
        return;
    }
  }
}

/** A list entry for `jti`, listed since `since` (epoch ms), expiring 15 minutes later. */
export function entry(jti: string, status: CredentialStatusEntry['status'], since: number): CredentialStatusEntry {
  return { jti, status, since: new Date(since).toISOString(), expiresAt: new Date(since + 900_000).toISOString() };
}
