// The bounded soak (`npm run soak` is the long one): clients from their own loopback sources hold
// allocations, permissions and channels through several refresh rounds while relaying; nothing is lost,
// memory stays flat after warm-up, and every allocation and descriptor is given back at the end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSoak } from '../../../bench/_soak.ts';

describe('soak, bounded (stunnerd process)', { timeout: 180_000 }, () => {
  it('60 allocations, 30 s, refresh every 3 s, ChannelData at 4/s each: nothing lost, memory flat', async (t) => {
    const r = await runSoak({
      server: 'stunnerd',
      allocations: 60,
      seconds: 30,
      rate: 4,
      refreshEvery: 3,
      concurrency: 16,
      warmup: 8,
      sampleEvery: 2,
    });
    t.diagnostic(JSON.stringify({ ...r, samples: r.samples.map((s) => s.rssKiB) }));
    assert.equal(r.setupFailures, 0, 'every allocation set up');
    assert.equal(r.allocationsLost, 0, 'no allocation lost');
    assert.equal(r.refreshFailures, 0, 'every refresh answered with success');
    assert.ok(r.refreshes >= 60 * 8, `refresh rounds ran: ${r.refreshes}`);
    assert.ok(r.echoReceived >= r.echoSent * 0.99, `echoed ${r.echoReceived}/${r.echoSent}`);
    assert.ok(r.rssWarmDeviationPct <= 5, `RSS after warm-up within ±5 %: ${r.rssWarmDeviationPct} %`);
    assert.equal(r.activeAfterClose, 0, 'no allocation left after closing');
    assert.ok(r.fdsAfterClose <= r.fdsBaseline + 2, `descriptors back: ${r.fdsBaseline} → ${r.fdsAfterClose}`);
  });
});
