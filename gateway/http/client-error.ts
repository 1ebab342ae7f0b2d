import type { Socket } from 'node:net';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * Requests Node's HTTP parser refuses never reach express: by default Node answers them with a
 * bare `400 Bad Request` or `431` and no body. Here they get the gateway's error body and a
 * catalogue code like every other refusal. Found by the fuzzer: a request whose line and headers
 * pass Node's 16 KiB limit was answered 431 without a code.
 *
 * A request timeout keeps Node's own answer (408, no body): the client is too slow to be sent
 * anything more, and nothing it sent was read.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    return;
  }
  const refusal = error.code === 'HPE_HEADER_OVERFLOW' ? new GatewayError('ERR_HEADERS_TOO_LARGE') : new GatewayError('ERR_MALFORMED_REQUEST');
  const body = JSON.stringify({ error: refusal.toJSON() });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'X-Content-Type-Options: nosniff\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}
