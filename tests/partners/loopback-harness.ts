import type { Agent } from 'undici';
import { createSafeDispatcher } from '../../gateway/partners/safe-dispatcher.js';

interface Closable {
  close(): Promise<void>;
}

export interface LoopbackHarness {
  /** This test's safe dispatcher (loopback allowed), as the gateway builds it. */
  readonly dispatcher: Agent;
  /** Closes `source` after the test, before the servers. */
  source<T extends Closable>(source: T): T;
  /** Closes `server` after the test, after the sources that fetch from it. */
  server<T extends Closable>(server: T): T;
}

/**
 * Per-test plumbing of the partner integration tests (call it at module level): a fresh safe
 * dispatcher before each test and, after it, every source then every server then the dispatcher
 * closed, so no timer, socket or pending fetch outlives its test.
 */
export function loopbackPerTest(timeoutMs: number): LoopbackHarness {
  let dispatcher: Agent;
  let sources: Closable[] = [];
  let servers: Closable[] = [];
  beforeEach(() => {
    sources = [];
    servers = [];
    dispatcher = createSafeDispatcher({ timeoutMs, allowInsecureLoopback: true });
  });
  afterEach(async () => {
    await Promise.all(sources.map((s) => s.close()));
    await Promise.all(servers.map((s) => s.close()));
    await dispatcher.close();
  });
  return {
    get dispatcher() { return dispatcher; },
    source: (s) => { sources.push(s); return s; },
    server: (s) => { servers.push(s); return s; },
  };
}

/** The error code `p` rejects with, or `resolved` when it resolves (tests assert codes, not messages). */
export async function outcomeOf(p: Promise<unknown>, resolved: string): Promise<string> {
  try {
    await p;
  } catch (error) {
    return (error as { code: string }).code;
  }
  return resolved;
}
