import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 for tests (port 0: the OS picks one); subclasses answer in
 * handle(). stop() closes the listening socket and every connection, so clients are refused — an
 * outage — until restart() listens again on the same port.
 */
export abstract class LoopbackServer {
  protected port = 0;
  /** TCP connections accepted (a fetch refused before connecting never adds one). */
  connections = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  protected abstract handle(req: IncomingMessage, res: ServerResponse): void;

  protected async listen(port = 0): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Refuses connections until restart(). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    await this.listen(this.port);
  }

  close(): Promise<void> {
    return this.stop();
  }
}
