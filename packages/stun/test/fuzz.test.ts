import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFuzz } from '../fuzz/mutation-fuzzer.ts';

describe('mutation fuzzer (bounded run inside npm test)', () => {
  it('raises nothing but StunCodecError over 20 000 mutated inputs', () => {
    const report = runFuzz({ count: 20_000, seed: 20261123 });
    assert.deepEqual(report.failures, []);
    assert.equal(report.executions, 20_000);
    // The run reached both sides: inputs that still decode, and many distinct rejection codes.
    assert.ok(report.decoded > 1000, `only ${report.decoded} inputs decoded`);
    for (const code of ['STUN_ERR_LENGTH_MISMATCH', 'STUN_ERR_ATTR_OVERRUN', 'STUN_ERR_BAD_ATTRIBUTE']) {
      assert.ok((report.codes[code] ?? 0) > 0, `${code} never raised: ${JSON.stringify(report.codes)}`);
    }
  });

  it('replays the same run for the same seed', () => {
    assert.deepEqual(runFuzz({ count: 500, seed: 7 }), runFuzz({ count: 500, seed: 7 }));
  });
});
