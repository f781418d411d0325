import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeTimers } from '@stunner/testing';
import { RenderLoop } from '../src/runtime/render-loop.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test('events inside the throttle window coalesce into one render', async () => {
  const timers = new FakeTimers();
  let runs = 0;
  let coalesced = 0;
  const loop = new RenderLoop({
    throttleMs: 20,
    timers,
    onCoalesced: () => coalesced++,
    run: async () => {
      runs++;
    },
  });
  for (let i = 0; i < 5; i++) loop.trigger();
  assert.equal(runs, 0, 'the render runs from the timer, not inside trigger()');
  timers.advance(0);
  await loop.idle();
  assert.equal(runs, 1);
  assert.equal(coalesced, 4);
  assert.equal(timers.pending, 0, 'nothing left armed');
  await loop.stop();
});

test('a render due while the previous one is still writing runs once, after it', async () => {
  const timers = new FakeTimers();
  const release = deferred();
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const loop = new RenderLoop({
    throttleMs: 1,
    timers,
    run: async () => {
      runs++;
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      if (runs === 1) await release.promise;
      concurrent--;
    },
  });
  loop.trigger();
  timers.advance(0);
  assert.equal(runs, 1, 'the first render started');
  // Three throttle windows pass while the first render is blocked.
  for (let i = 0; i < 3; i++) {
    loop.trigger();
    timers.advance(5);
  }
  assert.equal(runs, 1, 'no render starts while one is being written');
  release.resolve();
  await loop.idle();
  assert.equal(runs, 2, 'the coalesced render ran once the first was written');
  assert.equal(maxConcurrent, 1);
  await loop.stop();
});

test('a failing render is reported and the loop keeps going', async () => {
  const timers = new FakeTimers();
  const errors: unknown[] = [];
  let runs = 0;
  const loop = new RenderLoop({
    throttleMs: 1,
    timers,
    onError: (e) => errors.push(e),
    run: async () => {
      runs++;
      if (runs === 1) throw new Error('boom');
    },
  });
  loop.trigger();
  timers.advance(0);
  await loop.idle();
  assert.equal(errors.length, 1, 'the failure reached onError');
  assert.equal((errors[0] as Error).message, 'boom');
  loop.trigger();
  timers.advance(1);
  await loop.idle();
  assert.equal(runs, 2, 'the loop renders again after a failure');
  assert.equal(errors.length, 1);
  await loop.stop();
});

test('renders start at least throttleMs apart; an event after a quiet spell renders at once', async () => {
  const timers = new FakeTimers();
  const starts: number[] = [];
  const loop = new RenderLoop({
    throttleMs: 100,
    timers,
    run: async () => {
      starts.push(timers.now);
    },
  });
  timers.advance(1000);
  loop.trigger();
  timers.advance(0);
  await loop.idle();
  assert.deepEqual(starts, [1000], 'the first render is not held back by the throttle');

  timers.advance(10);
  loop.trigger();
  timers.advance(89);
  await loop.idle();
  assert.deepEqual(starts, [1000], 'the second render waits out the throttle interval');
  timers.advance(1);
  await loop.idle();
  assert.deepEqual(starts, [1000, 1100], 'and starts exactly throttleMs after the first');

  timers.advance(500);
  loop.trigger();
  timers.advance(0);
  await loop.idle();
  assert.deepEqual(starts, [1000, 1100, 1600], 'an event after a quiet spell renders at once');
  await loop.stop();
});

test('stop() disarms a pending render', async () => {
  const timers = new FakeTimers();
  let runs = 0;
  const loop = new RenderLoop({
    throttleMs: 100,
    timers,
    run: async () => {
      runs++;
    },
  });
  loop.trigger();
  timers.advance(0);
  await loop.idle();
  loop.trigger();
  assert.equal(timers.pending, 1, 'the second render is armed for the end of the window');
  await loop.stop();
  assert.equal(timers.pending, 0, 'stop() cleared the timer');
  timers.advance(1000);
  loop.trigger();
  timers.advance(1000);
  assert.equal(runs, 1, 'a stopped loop renders nothing');
});
