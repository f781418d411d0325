import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RenderLoop } from '../src/runtime/render-loop.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test('events inside the throttle window coalesce into one render', async () => {
  let runs = 0;
  let coalesced = 0;
  const done = deferred();
  const loop = new RenderLoop({
    throttleMs: 20,
    onCoalesced: () => coalesced++,
    run: async () => {
      runs++;
      done.resolve();
    },
  });
  for (let i = 0; i < 5; i++) loop.trigger();
  await done.promise;
  await loop.idle();
  assert.equal(runs, 1);
  assert.equal(coalesced, 4);
  await loop.stop();
});

test('a render due while the previous one is still writing runs once, after it', async () => {
  const release = deferred();
  const second = deferred();
  const started = deferred();
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const loop = new RenderLoop({
    throttleMs: 1,
    run: async () => {
      runs++;
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      if (runs === 1) {
        started.resolve();
        await release.promise;
      } else second.resolve();
      concurrent--;
    },
  });
  loop.trigger();
  await started.promise;
  // Three throttle windows pass while the first render is blocked.
  for (let i = 0; i < 3; i++) {
    loop.trigger();
    await new Promise((r) => setTimeout(r, 5));
  }
  release.resolve();
  await second.promise;
  await loop.idle();
  assert.equal(runs, 2);
  assert.equal(maxConcurrent, 1);
  await loop.stop();
});

test('a failing render is reported and the loop keeps going', async () => {
  const errors: unknown[] = [];
  const ok = deferred();
  let runs = 0;
  const loop = new RenderLoop({
    throttleMs: 1,
    onError: (e) => errors.push(e),
    run: async () => {
      runs++;
      if (runs === 1) throw new Error('boom');
      ok.resolve();
    },
  });
  loop.trigger();
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (errors.length > 0) resolve();
      else setImmediate(check);
    };
    check();
  });
  loop.trigger();
  await ok.promise;
  assert.equal((errors[0] as Error).message, 'boom');
  await loop.stop();
});

test('renders start at least throttleMs apart; an event after a quiet spell renders at once', async () => {
  const starts: number[] = [];
  let wake: (() => void) | undefined;
  const loop = new RenderLoop({
    throttleMs: 100,
    run: async () => {
      starts.push(performance.now());
      wake?.();
    },
  });
  const ran = (n: number) =>
    new Promise<void>((resolve) => {
      wake = () => {
        if (starts.length >= n) resolve();
      };
    });
  const t0 = performance.now();
  let next = ran(1);
  loop.trigger();
  await next;
  assert.ok(starts[0]! - t0 < 90, 'the first render is not held back by the throttle');
  next = ran(2);
  loop.trigger();
  await next;
  assert.ok(starts[1]! - starts[0]! >= 95, 'the second render waits out the throttle interval');
  await loop.stop();
});
