import { schemaDocument } from './registry.js';

/**
 * The contract as partners fetch it: GET /openapi.yaml references `./schemas/<file>`, which
 * resolves against the document's URL to `<ISSUER_URL>/schemas/<file>`, and the gateway serves
 * each such file there (routes/get-schema.ts). A served schema's `$id` is its served URL, so a
 * tool that honours `$id` (JSON Schema draft-07 §8) and one that resolves against the retrieval
 * URL (swagger-parser, Redocly) reach the same files; the schemas' own `$ref`s are relative.
 */
export const SCHEMAS_PATH = '/schemas/';
const OWN_REF = /\.\/schemas\/([a-z0-9-]+\.schema\.json)/g;
const FILE_REF = /"\$ref"\s*:\s*"([a-z0-9-]+\.schema\.json)(?:#[^"]*)?"/g;

function base(issuerUrl: string): string {
  return issuerUrl.replace(/\/+$/, '');
}

/** Where the gateway serves schemas/<name>.schema.json (the issuer metadata's credential_schema). */
export function publishedSchemaUrl(issuerUrl: string, name: string): string {
  return `${base(issuerUrl)}${SCHEMAS_PATH}${name}.schema.json`;
}

/**
 * The schema files the contract needs — those openapi.yaml references and the normalised
 * credential schema, with every file they reference in turn — each with its served `$id`.
 * Files of schemas/ that are no part of the HTTP contract (the configuration) are not served.
 */
export function publishedSchemas(openapiYaml: string, issuerUrl: string): Map<string, Buffer> {
  const pending = [...openapiYaml.matchAll(OWN_REF)].map((m) => m[1]!);
  pending.push('normalized-credential.schema.json');
  const served = new Map<string, Buffer>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (served.has(file)) continue;
    // The file as the registry read it at start; only the copy served gets the served `$id`.
    const schema = { ...schemaDocument(file), $id: publishedSchemaUrl(issuerUrl, file.replace(/\.schema\.json$/, '')) };
    const text = JSON.stringify(schema, null, 2);
    served.set(file, Buffer.from(text, 'utf8'));
    for (const m of text.matchAll(FILE_REF)) pending.push(m[1]!);
  }
  return served;
}

/**
 * openapi.yaml with `servers` naming ISSUER_URL (the file says http://localhost:8080), so a
 * client generated from the served document calls this gateway. Text, not a YAML round trip:
 * the runtime needs no YAML library, and comments and layout stay as written.
 */
export function servedOpenApi(openapiYaml: string, issuerUrl: string): string {
  const servers = /^servers:\n(?:[ ]{2}(?:#.*|- url: .*)\n)+/m;
  if (!servers.test(openapiYaml)) throw new Error('openapi.yaml: no top-level `servers:` list of `- url:` entries to point at ISSUER_URL');
  return openapiYaml.replace(servers, `servers:\n  - url: ${JSON.stringify(base(issuerUrl))}\n`);
}
