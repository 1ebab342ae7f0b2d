import { readFileSync } from 'node:fs';
import { fromRoot } from '../../gateway/paths.js';
import { KEY_SKIP_REASON_CODES } from '../../gateway/partners/key-skip-reasons.js';

test('the skip reasons of GET /v1/partners in partner-status.schema.json are exactly the exported list', () => {
  const schema = JSON.parse(readFileSync(fromRoot('schemas', 'partner-status.schema.json'), 'utf8'));
  expect(schema.properties.partners.items.properties.skippedKeys.items.properties.reason.enum).toEqual(KEY_SKIP_REASON_CODES);
});
