import { WorkPool } from '../../gateway/admission/work-pool.js';
import { GatewayError } from '../../gateway/errors/gateway-error.js';

/** Admission control: at most `concurrency` jobs run, at most `queue` wait, the rest are refused at once. */
function gate(): { job: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { job: () => opened, open };
}

describe('WorkPool', () => {
  it('runs at most `concurrency` jobs, queues `queue` more, and refuses the next one at once with 503 ERR_OVERLOADED and Retry-After', async () => {
    let refused = 0;
    const pool = new WorkPool({ concurrency: 2, queue: 1, onRejected: () => refused++ });
    const gates = [gate(), gate(), gate()];
    const running = gates.map((g) => pool.run(g.job));
    expect({ running: pool.running, queued: pool.queued }).toEqual({ running: 2, queued: 1 });

    const error = await pool.run(async () => 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'ERR_OVERLOADED', status: 503, expose: true, retryAfterSeconds: 1 });
    expect(refused).toBe(1);

    gates[0]!.open();
    await running[0];
    // The freed slot went to the waiting job: two run, none waits, so one more may wait.
    expect({ running: pool.running, queued: pool.queued }).toEqual({ running: 2, queued: 0 });
    const fourth = gate();
    const queued = pool.run(fourth.job);
    expect(pool.queued).toBe(1);
    for (const g of [...gates, fourth]) g.open();
    await Promise.all([...running, queued]);
    expect({ running: pool.running, queued: pool.queued }).toEqual({ running: 0, queued: 0 });
  });

  it('frees the slot of a job that failed', async () => {
    const pool = new WorkPool({ concurrency: 1, queue: 0 });
    await expect(pool.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(pool.run(async () => 42)).resolves.toBe(42);
  });

  it('refuses a pool without a slot', () => {
    expect(() => new WorkPool({ concurrency: 0, queue: 0 })).toThrow(RangeError);
  });
});
