// The waits say what they awaited and what they saw last. Timeouts here are a few milliseconds: the
// tests check the messages, not how long anything takes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, WaitTimeoutError, waitUntil } from '@stunner/testing';

describe('waitUntil', () => {
  it('resolves with the first value that is not undefined', async () => {
    let calls = 0;
    const v = await waitUntil('the third call', () => (++calls === 3 ? 'ready' : undefined), 5000, 1);
    assert.equal(v, 'ready');
    assert.equal(calls, 3);
  });

  it('on timeout names what it waited for and the last error', async () => {
    const err = await waitUntil(
      'the Service',
      () => {
        throw new Error('404 services "udp-gateway" not found');
      },
      5,
      1,
    ).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WaitTimeoutError);
    assert.equal(err.code, 'TESTING_ERR_WAIT_TIMEOUT');
    assert.match(err.message, /^timed out after 5 ms waiting for the Service; last error: 404 services/);
  });
});

describe('eventually', () => {
  it('resolves with the result of the first attempt that does not throw', async () => {
    let n = 0;
    const v = await eventually(
      'n reaches 2',
      () => {
        n++;
        assert.equal(n, 2);
        return n;
      },
      { intervalMs: 1 },
    );
    assert.equal(v, 2);
  });

  it("on timeout names what it awaited and the last failure, an assertion's actual and expected", async () => {
    const err = await eventually('the realm in the ConfigMap', () => assert.equal('stunner.l7mp.io', 'example.com'), {
      timeoutMs: 5,
      intervalMs: 1,
    }).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WaitTimeoutError);
    assert.match(err.message, /^the realm in the ConfigMap: still failing after 5 ms: /);
    assert.match(err.message, /stunner\.l7mp\.io/);
    assert.match(err.message, /example\.com/);
    assert.ok(err.cause instanceof assert.AssertionError);
  });
});
