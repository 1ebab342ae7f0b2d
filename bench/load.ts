import autocannon from 'autocannon';

/**
 * HTTP load with autocannon's programmatic API: `connections` keep-alive connections, each with one
 * request in flight, for `seconds` (or until `amount` requests). Bodies come from `body(i)` so every
 * request can carry a distinct code or declaration; `accept` reads each response and anything it
 * refuses counts as a failure (a 200 `{ "valid": false }` is not a verified code).
 */
export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  path: string;
  connections: number;
  seconds: number;
  amount?: number;
  body?: (i: number) => string;
  headers?: Record<string, string>;
  /** Requests per second over all connections (autocannon overallRate); absent: as fast as answered. */
  overallRate?: number;
  accept?: (status: number, body: string) => boolean;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Responses `accept` refused, non-2xx answers, connection errors and timeouts. */
  failures: number;
  statusCounts: Record<string, number>;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  let i = 0;
  let refused = 0;
  const { body, accept } = options;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds }),
    timeout: 30,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: options.method ?? 'GET',
        path: options.path,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...options.headers },
        ...(body ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: body(i++) }) } : {}),
        ...(accept ? { onResponse: (status: number, text: string) => { if (!accept(status, text)) refused += 1; } } : {}),
      },
    ],
  });
  const statusCounts: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCounts[code] = stat.count ?? 0;
  const requests = result.requests.total;
  const seconds = result.duration;
  return {
    requests,
    seconds,
    perSecond: requests / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    failures: refused + result.non2xx + result.errors + result.timeouts,
    statusCounts,
  };
}
