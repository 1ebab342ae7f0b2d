import { request } from 'undici';

/**
 * The demo's HTTP client: JSON in, JSON out, on loopback only, with short deadlines so that a
 * stuck gateway fails the demo instead of hanging it.
 */
export interface JsonResponse<T> {
  status: number;
  body: T;
}

const MAX_BODY_CHARS = 1_000_000;

export async function callJson<T>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token?: string): Promise<JsonResponse<T>> {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1') throw new Error(`the demo talks to 127.0.0.1 only, not ${host}`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const res = await request(url, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await res.body.text();
  if (text.length > MAX_BODY_CHARS) throw new Error(`${method} ${url}: answer too large`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${url}: answered ${res.statusCode} with a body that is not JSON`);
  }
  return { status: res.statusCode, body: parsed as T };
}

/** Like callJson, but any status other than `expected` is an error naming the answer's code. */
export async function expectJson<T>(expected: number, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token?: string): Promise<T> {
  const res = await callJson<T>(method, url, body, token);
  if (res.status !== expected) {
    const code = (res.body as { error?: { code?: string } } | null)?.error?.code ?? 'no error code';
    throw new Error(`${method} ${new URL(url).pathname}: expected ${expected}, got ${res.status} (${code})`);
  }
  return res.body;
}
