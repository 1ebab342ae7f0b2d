import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.js';

/**
 * A partner's Token Status List server on 127.0.0.1:0: GET <path> answers the body the test put
 * at that path (a statuslist+jwt, or something hostile), 404 elsewhere, 503 while `down`.
 */
export class TokenStatusListServer extends LoopbackServer {
  requests = 0;
  down = false;
  readonly bodies = new Map<string, string>();

  async start(): Promise<this> {
    await this.listen(0);
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const body = this.bodies.get((req.url ?? '').split('?')[0]!);
    if (this.down) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      return;
    }
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/statuslist+jwt' }).end(body);
  }
}
