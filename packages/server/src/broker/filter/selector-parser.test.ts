import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
// @ts-expect-error a plain .mjs script without type declarations
import { generateSelectorParser, parserPath } from '../../../../../scripts/generate-selector-parser.mjs';

it('the checked-in selector parser is what peggy generates from selector.peggy (run `npm run generate:selector`)', () => {
  assert.equal(readFileSync(parserPath as string, 'utf8'), (generateSelectorParser as () => string)());
});
