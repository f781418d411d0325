// turn.md §5.5 item 4 against the stunnerd process: an unauthenticated Allocate flood from many
// loopback sources at the rate this machine can send keeps no per-request state (resident memory
// flat, no allocation held) while a legitimate client's allocations go on succeeding (≥ 99 %).
// FLOOD_SECONDS (default 4) sets the length, FLOOD_RATE the requests per second (default 3000; 0 = as
// fast as this machine sends, where on 2 shared cores the legitimate share drops: docs/reliability.md).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lifetime } from '@stunner/stun';
import { freePort, freeUdpPortPair } from '@stunner/testing';
import { ok, RawTurnClient } from './support/raw-turn-client.ts';
import { metricValue, startStunnerd } from './support/stunnerd-process.ts';
import { flood, floodSources } from './support/udp-flood.ts';
import { portDrops } from './support/udp-socket-drops.ts';

const SECONDS = Number(process.env.FLOOD_SECONDS ?? 4);
const SOURCES = Number(process.env.FLOOD_SOURCES ?? 256);
const RATE = Number(process.env.FLOOD_RATE ?? 3000);

describe('unauthenticated Allocate flood (stunnerd process)', { timeout: 120_000 + SECONDS * 3000 }, () => {
  it(`${SOURCES} sources, ${RATE || 'max'}/s for ${SECONDS} s: memory flat, no state kept, the legitimate client served`, async (t) => {
    const [port, metricsPort] = [await freeUdpPortPair(), await freePort()];
    const daemon = await startStunnerd({ listeners: [{ name: 'udp', protocol: 'TURN-UDP', port }], metricsPort });
    t.after(() => daemon.kill());

    // Warm-up: code paths compiled, buffers sized, before the baseline is read. At the flood's own
    // sources and rate, for V8's young generation too, which grows with the allocation rate (up to
    // 2 × 16 MiB semi-spaces) and would otherwise count as growth during the flood.
    await flood(port, floodSources(SOURCES), 2000, RATE);
    const legit = new RawTurnClient({ port, local: '127.0.0.1' });
    await legit.open();
    t.after(() => legit.close());
    assert.ok(ok(await legit.allocate(60)), 'the legitimate client allocates before the flood');
    assert.ok(ok(await legit.refresh(0)));
    const rssBefore = daemon.rssKiB();
    const dropsBefore = portDrops(port);

    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(daemon.rssKiB()), 250);
    const running = flood(port, floodSources(SOURCES), SECONDS * 1000, RATE);
    let attempts = 0;
    let succeeded = 0;
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      attempts++;
      // Each attempt: Allocate, then delete it (Refresh 0), with RFC 8489 §6.2.1 retransmits (RTO 500 ms, Rc 7).
      const a = await legit.allocate(60, { rtoMs: 500, tries: 7 });
      if (ok(a)) succeeded++;
      await legit.request(0x004, (b) => b.add(Lifetime, 0), { rtoMs: 500, tries: 7 });
      // A client's pace (about 40 set-ups a second), not a second flood.
      await new Promise((r) => setTimeout(r, 25));
    }
    const result = await running;
    const listenerDrops = portDrops(port) - dropsBefore;
    clearInterval(sampler);
    const rssAfter = daemon.rssKiB();
    const text = await daemon.metrics();
    const peak = Math.max(...samples, rssAfter);
    const rate = succeeded / attempts;
    t.diagnostic(
      `flood: ${result.sent} requests in ${SECONDS} s (${Math.round(result.sent / SECONDS)}/s), ${result.answered} answered (${result.read} read by the generator, ${result.droppedHere} dropped at its own sockets)`,
    );
    t.diagnostic(`dropped by the kernel at stunnerd's listener socket (queue full): ${listenerDrops}`);
    t.diagnostic(`legitimate allocations: ${succeeded}/${attempts} (${(rate * 100).toFixed(2)} %)`);
    t.diagnostic(
      `RSS KiB: before ${rssBefore}, peak ${peak}, after ${rssAfter} (${(((rssAfter - rssBefore) / rssBefore) * 100).toFixed(1)} %)`,
    );

    assert.ok(result.sent > 1000, `the flood ran: ${result.sent}`);
    assert.ok(rate >= 0.99, `legitimate success ${succeeded}/${attempts}`);
    assert.equal(metricValue(text, 'stunner_allocations_active'), 0, 'no allocation left by the flood');
    // Flat: the flood's requests leave nothing behind; allow V8's heap to breathe by 16 MiB at most.
    assert.ok(rssAfter - rssBefore < 16 * 1024, `RSS grew ${rssAfter - rssBefore} KiB`);
  });
});
