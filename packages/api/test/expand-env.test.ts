import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandEnv } from '@stunner/api';

describe('expandEnv (Go os.ExpandEnv semantics)', () => {
  const env = { A: 'x', LONG_NAME: 'y' };
  const cases: Array<[string, string]> = [
    ['$A', 'x'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell syntax under test
    ['${A}b', 'xb'],
    ['$LONG_NAME.z', 'y.z'],
    ['$UNSET-', '-'],
    ['cost: 5$', 'cost: 5$'],
    ['a $ b', 'a $ b'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell syntax under test
    ['${}', ''],
    ['${A', 'A'],
    ['$1', ''],
    ['$$', ''],
  ];
  for (const [input, output] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(output)}`, () => assert.equal(expandEnv(input, env), output));
  }
});
