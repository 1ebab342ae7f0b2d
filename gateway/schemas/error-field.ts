import type { ErrorObject } from 'ajv';

/**
 * Kept apart from registry.ts (which reads schemas/ from disk) so that code running in browsers
 * (the verifier library) can name the field of a validation error too.
 *
 * Dotted path of an ajv error, e.g. `applicant.document.number`.
 */
export function errorField(error: ErrorObject, root?: string): string {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') segments.push(String(error.params['missingProperty']));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params['additionalProperty']));
  const path = segments.join('.');
  return root ? (path ? `${root}.${path}` : root) : path;
}
