// Bounded stateful fuzz of the engine (the long run is `npm run fuzz -- --target engine`), and the
// fuzzer's own check: engines with a known defect must be caught by the invariant that names it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runEngineFuzz } from '../fuzz/engine-fuzzer.ts';

test('engine fuzz: 30,000 random steps over several engines, no invariant broken, no exception', () => {
  const report = runEngineFuzz({ count: 30_000, seed: 0x5eed });
  assert.deepEqual(
    report.failures.map((f) => `${f.step} ${f.action} ${f.error}`),
    [],
  );
  assert.equal(report.steps, 30_000);
  // The run went deep enough to mean something: allocations, peer traffic, cached retransmits.
  assert.ok(report.allocationsCreated > 200, `allocations created: ${report.allocationsCreated}`);
  assert.ok(report.sentToPeer > 10, `datagrams to peers: ${report.sentToPeer}`);
  assert.ok(report.retransmitsChecked > 100, `retransmits checked: ${report.retransmitsChecked}`);
});

for (const [bug, invariant] of [
  ['filter-bypass', 'peer-filter'],
  ['no-permission-cap', 'max-permissions'],
  ['forgetful-timer', 'lifetime'],
] as const) {
  test(`engine fuzz catches an injected defect: ${bug} → ${invariant}`, () => {
    const report = runEngineFuzz({ count: 200_000, seed: 0x5eed, bug, maxFailures: 1 });
    assert.equal(report.failures[0]?.invariant, invariant, report.failures[0]?.error);
  });
}
