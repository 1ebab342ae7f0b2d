import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import { LoopbackServer } from './loopback-server.js';

export type ServerMode = 'ok' | 'unavailable' | 'hang' | 'endless';

/** A real partner key server on 127.0.0.1:0 that counts the requests it receives. */
export class JwksServer extends LoopbackServer {
  requests = 0;
  mode: ServerMode = 'ok';
  keys: JWK[] = [];

  async start(): Promise<this> {
    await this.listen();
    return this;
  }

  url(host = '127.0.0.1'): string {
    return `http://${host}:${this.port}/.well-known/jwks.json`;
  }

  protected handle(_req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    switch (this.mode) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
        return;
      case 'unavailable':
        res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
        return;
      case 'hang':
        return; // never answers
      case 'endless': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        const pump = (): void => { while (!res.destroyed && res.write(chunk)); };
        res.on('drain', pump);
        pump();
        return;
      }
    }
  }
}
