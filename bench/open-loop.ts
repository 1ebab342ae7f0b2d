import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/**
 * Open-loop load: requests are sent at a fixed offered rate whatever the server answers (a crowd
 * does not wait for the previous person), each timed on its own — what an overload test needs,
 * where autocannon's closed loop would slow down with the server and hide the refusals' latency.
 */
export interface OpenLoopOptions {
  url: string;
  path: string;
  /** Offered requests per second. */
  rate: number;
  seconds: number;
  connections: number;
  body: (i: number) => string;
}

export interface Answer {
  status: number;
  ms: number;
  text: string;
}

export async function openLoop(options: OpenLoopOptions): Promise<{ answers: Answer[]; seconds: number }> {
  const pool = new Pool(options.url, { connections: options.connections });
  const answers: Answer[] = [];
  const pending: Array<Promise<void>> = [];
  const total = Math.round(options.rate * options.seconds);
  const start = performance.now();
  try {
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const sent = performance.now();
      pending.push(
        pool
          .request({ method: 'POST', path: options.path, headers: { 'content-type': 'application/json' }, body: options.body(i), headersTimeout: 30_000, bodyTimeout: 30_000 })
          .then(async (res) => {
            const text = await res.body.text();
            answers.push({ status: res.statusCode, ms: performance.now() - sent, text });
          })
          .catch(() => void answers.push({ status: 0, ms: performance.now() - sent, text: '' })),
      );
    }
    await Promise.all(pending);
  } finally {
    await pool.close();
  }
  return { answers, seconds: (performance.now() - start) / 1000 };
}
