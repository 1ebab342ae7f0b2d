import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

export type ServerMode = 'ok' | 'unavailable' | 'hang' | 'endless';

/** A real partner key server on 127.0.0.1:0 that counts the requests it receives. */
export class JwksServer {
  requests = 0;
  mode: ServerMode = 'ok';
  keys: JWK[] = [];
  private server: Server | null = null;
  private port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
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
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(host = '127.0.0.1'): string {
    return `http://${host}:${this.port}/.well-known/jwks.json`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
