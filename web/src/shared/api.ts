/** The public API, called from the page's own origin (CSP connect-src 'self'). */
export interface ApiError {
  code: string;
  message: string;
  field?: string;
  /** The HTTP status it came with (0: no answer). */
  status?: number;
}

export interface ApiAnswer<T> {
  /** HTTP status; 0 when the gateway could not be reached. */
  status: number;
  body?: T;
  error?: ApiError;
}

/** `timeoutMs`: give up after this long; a timeout is answered like a network error (status 0). */
export async function api<T>(method: string, path: string, options: { token?: string; body?: unknown; timeoutMs?: number } = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      cache: 'no-store',
      ...(options.timeoutMs !== undefined ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    return { status: 0, error: { code: 'NETWORK', message: 'The gateway cannot be reached.', status: 0 } };
  }
  // A body cut off by the timeout reads as no body: the gateway's answer is its status.
  const data = (await response.json().catch(() => undefined)) as (T & { error?: ApiError }) | undefined;
  if (response.ok) return { status: response.status, ...(data !== undefined ? { body: data } : {}) };
  const error = data?.error ?? { code: `HTTP_${response.status}`, message: response.statusText };
  return { status: response.status, error: { ...error, status: response.status } };
}
