/**
 * Validates a served OpenAPI document with @apidevtools/swagger-parser, every $ref fetched over
 * HTTP, and prints { openapi, fetched, resolved } as JSON. A child process of
 * tests/ops/served-contract.test.ts: swagger-parser is CommonJS requiring an ES module, which
 * Node loads natively but jest's module runtime cannot on Node 22.
 *   node tests/ops/openapi-validate.mjs <url>
 */
import SwaggerParser from '@apidevtools/swagger-parser';

const url = process.argv[2];
// The gateway under test listens on loopback, which the parser's SSRF guard refuses by default.
const options = { resolve: { http: { safeUrlResolver: false } } };
const valid = await SwaggerParser.validate(url, options);
const fetched = [];
const resolved = await SwaggerParser.dereference(url, { ...options, dereference: { onDereference: (path) => void fetched.push(path) } });
process.stdout.write(JSON.stringify({ openapi: valid.openapi, fetched, resolved }));
