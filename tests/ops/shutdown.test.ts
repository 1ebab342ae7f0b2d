import { Agent } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { personDeclaration } from '../helpers/test-gateway.js';
import { http, makeDirs, useGatewayProcesses, type GatewayProcess } from '../issuer/gateway-process.js';
import { exitOf, openConnections, send } from './process-client.js';
import { runToEnd } from '../helpers/run-to-end.js';

/**
 * SIGTERM as an orchestrator sends it: the real gateway (gateway/main.ts) as a child process stops
 * accepting, finishes every request in flight, closes idle keep-alive connections instead of
 * waiting for them, closes the store and exits 0 within SHUTDOWN_TIMEOUT_MS — or, past the bound,
 * cuts the connections left, logs it and exits 1.
 */
const TIMEOUT = 90_000;

const processes = useGatewayProcesses({ prefix: 'shutdown', timeoutMs: TIMEOUT });
let root: string;
beforeAll(async () => {
  root = await processes.tempRoot();
});

async function start(name: string, env: Record<string, string>): Promise<GatewayProcess> {
  return processes.start(await makeDirs(join(root, name)), env);
}

test('SIGTERM under load: every request in flight is answered, then the process exits 0 within the bound', async () => {
  const BOUND_MS = 20_000;
  // A costly binding (scrypt 2^14) keeps declarations in flight long enough to be caught by the signal.
  // The launch-day queue is off: these declarations must stay in flight (computing) at the signal, not be answered 202 at once.
  const gw = await start('load', { SHUTDOWN_TIMEOUT_MS: String(BOUND_MS), BINDING_SCRYPT_LOG_N: '14', KEEP_ALIVE_TIMEOUT_MS: '60000', DECLARATION_QUEUE_ENABLED: 'false' });
  const first = await http(gw.port, 'POST', '/v1/declarations', personDeclaration(0));
  expect(first.status).toBe(201);
  const code = String((first.body['credential'] as { jws: string }).jws);

  const PER_KIND = 30;
  const agent = new Agent({ keepAlive: true, maxSockets: 2 * PER_KIND });
  await openConnections(agent, gw.port, 2 * PER_KIND);
  const sent = [
    ...Array.from({ length: PER_KIND }, (_, i) => send(agent, gw.port, 'POST', '/v1/declarations', personDeclaration(1 + i))),
    ...Array.from({ length: PER_KIND }, () => send(agent, gw.port, 'POST', '/v1/verify', { code })),
  ];
  await Promise.all(sent.map((s) => s.writtenAt));
  // Let the gateway read what is on its sockets: from then on these requests are in flight.
  await new Promise((r) => setTimeout(r, 200));
  const signalledAt = Date.now();
  gw.child.kill('SIGTERM');

  const answers = await Promise.all(sent.map((s) => s.answer));
  const exit = await exitOf(gw, BOUND_MS + 5_000);
  agent.destroy();

  expect(answers.map((a) => a.status)).toEqual([...Array<number>(PER_KIND).fill(201), ...Array<number>(PER_KIND).fill(200)]);
  // The signal did catch requests in flight (not a drain of an idle server).
  expect(answers.filter((a) => a.at > signalledAt).length).toBeGreaterThan(0);
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(exit.at - signalledAt).toBeLessThan(BOUND_MS);
}, TIMEOUT);

test('SIGTERM does not wait for idle keep-alive connections, and the last line says the gateway stopped', async () => {
  const gw = await start('idle', { SHUTDOWN_TIMEOUT_MS: '30000', KEEP_ALIVE_TIMEOUT_MS: '60000', LOG_LEVEL: 'info' });
  const agent = new Agent({ keepAlive: true, maxSockets: 5 });
  await openConnections(agent, gw.port, 5);
  const signalledAt = Date.now();
  gw.child.kill('SIGTERM');
  const exit = await exitOf(gw, 10_000);
  agent.destroy();
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(exit.at - signalledAt).toBeLessThan(5_000);
  const last = JSON.parse(gw.output().trim().split('\n').at(-1)!) as Record<string, unknown>;
  expect(last).toMatchObject({ msg: 'stopped', reason: 'SIGTERM', outcome: 'drained', exitCode: 0, pid: gw.child.pid, hostname: expect.any(String) });
}, TIMEOUT);

test('past SHUTDOWN_TIMEOUT_MS the connections left are cut, a line is logged and the exit code is 1', async () => {
  const gw = await start('stuck', { SHUTDOWN_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '60000', HEADERS_TIMEOUT_MS: '30000' });
  // A request that never completes: half of its announced body.
  const socket = connect(gw.port, '127.0.0.1');
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('POST /v1/verify HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"code":');
  await new Promise((r) => setTimeout(r, 200));
  const signalledAt = Date.now();
  gw.child.kill('SIGTERM');
  const exit = await exitOf(gw, 10_000);
  await closed;
  expect(exit).toMatchObject({ code: 1, signal: null });
  expect(exit.at - signalledAt).toBeGreaterThanOrEqual(450);
  expect(gw.output()).toContain('shutdown timed out');
}, TIMEOUT);

test('the gateway\'s log lines reach stdout in the order they were logged, even when the process exits while libuv\'s thread pool is busy', async () => {
  // What shutdown does: a line, work on the thread pool (scrypt, SQLite's close), the last line, exit.
  const script = `
    import { pbkdf2 } from 'node:crypto';
    import { createLogger } from './gateway/observability/logger.js';
    const logger = createLogger('info');
    for (let i = 0; i < 4; i++) pbkdf2('p', 's', 100000, 32, 'sha256', () => {});
    logger.info('shutting down');
    setTimeout(() => { logger.info('stopped'); process.exit(0); }, 20);`;
  const run = await runToEnd(process.execPath, ['--input-type=module', '-e', script], { cwd: processes.program.dir, env: { PATH: process.env['PATH'] ?? '' }, timeoutMs: 20_000 });
  const messages = run.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
  expect(messages).toEqual(['shutting down', 'stopped']);
}, TIMEOUT);
