import { Agent, request as httpRequest } from 'node:http';
import type { GatewayProcess } from '../issuer/gateway-process.js';

/** Helpers for the tests that run the real gateway as a child process and signal it. */
export interface Sent {
  /** When the request was completely written to its socket (ms, Date.now()). */
  writtenAt: Promise<number>;
  answer: Promise<{ status: number; body: string; at: number }>;
}

/**
 * One request to a child gateway over `agent` (keep-alive sockets opened beforehand put it on an
 * accepted connection; `undefined` is Node's global agent). A request without an answer in 15 s
 * fails instead of hanging the test.
 */
export function send(agent: Agent | undefined, port: number, method: string, path: string, body?: unknown, token?: string): Sent {
  let written!: (at: number) => void;
  const writtenAt = new Promise<number>((resolve) => (written = resolve));
  const answer = new Promise<{ status: number; body: string; at: number }>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        ...(agent ? { agent } : {}),
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        timeout: 15_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, at: Date.now() }));
        res.on('error', reject);
      },
    );
    req.on('finish', () => written(Date.now()));
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
  return { writtenAt, answer };
}

/**
 * Resolves with the exit code and when it came, once the child's output is also complete (its last
 * log lines can follow 'exit'); rejects if the exit does not come within `withinMs`.
 */
export async function exitOf(gw: GatewayProcess, withinMs: number): Promise<{ code: number | null; signal: string | null; at: number }> {
  const { child } = gw;
  const exit =
    child.exitCode !== null || child.signalCode !== null
      ? { code: child.exitCode, signal: child.signalCode, at: Date.now() }
      : await new Promise<{ code: number | null; signal: string | null; at: number }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no exit within ${withinMs} ms:\n${gw.output()}`)), withinMs);
          child.once('exit', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, at: Date.now() });
          });
        });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    gw.outputClosed,
    new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`output not closed 5 s after exit:\n${gw.output()}`)), 5_000))),
  ]).finally(() => clearTimeout(timer));
  return exit;
}

/** Opens `count` keep-alive connections on `agent` (one GET /healthz each, all at once). */
export async function openConnections(agent: Agent, port: number, count: number): Promise<void> {
  const answers = await Promise.all(Array.from({ length: count }, () => send(agent, port, 'GET', '/healthz').answer));
  if (answers.some((a) => a.status !== 200)) throw new Error('warm-up failed');
}
