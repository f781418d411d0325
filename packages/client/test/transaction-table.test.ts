import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransactionTable, TurnClientError } from '@stunner/client';
import { decodeStunMessage, MessageClass, Method, StunMessageBuilder } from '@stunner/stun';
import { FakeTimers } from '@stunner/testing';

function table(timers: FakeTimers, options = {}): TransactionTable {
  return new TransactionTable(
    timers,
    options,
    (t) => new TurnClientError('TURN_CLIENT_ERR_TIMEOUT', `${t.transmissions} in ${t.elapsedMs}`),
  );
}

describe('TransactionTable retransmissions (RFC 8489 §6.2.1)', () => {
  it('sends at 0, 500, 1500, 3500, 7500, 15500, 31500 ms and fails at 39500 ms over UDP', async () => {
    const timers = new FakeTimers();
    const sentAt: number[] = [];
    const req = new StunMessageBuilder(Method.Allocate, MessageClass.Request);
    const result = table(timers).start(req.transactionId, req.build(), () => sentAt.push(timers.now), false);
    let failure: unknown;
    result.catch((err: unknown) => {
      failure = err;
    });
    timers.advance(39_499);
    await Promise.resolve();
    assert.deepEqual(sentAt, [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(failure, undefined);
    timers.advance(1);
    await assert.rejects(result, { code: 'TURN_CLIENT_ERR_TIMEOUT', message: '7 in 39500' });
  });

  it('follows a custom RTO and Rc', async () => {
    const timers = new FakeTimers();
    const sentAt: number[] = [];
    const req = new StunMessageBuilder(Method.Refresh, MessageClass.Request);
    const result = table(timers, { rto: 100, maxTransmissions: 3, lastWaitFactor: 2 }).start(
      req.transactionId,
      req.build(),
      () => sentAt.push(timers.now),
      false,
    );
    timers.advance(500);
    assert.deepEqual(sentAt, [0, 100, 300]);
    await assert.rejects(result, { message: '3 in 500' });
  });

  it('sends once over a reliable transport and fails after Ti', async () => {
    const timers = new FakeTimers();
    let sent = 0;
    const req = new StunMessageBuilder(Method.Allocate, MessageClass.Request);
    const result = table(timers).start(req.transactionId, req.build(), () => sent++, true);
    timers.advance(39_500);
    assert.equal(sent, 1);
    await assert.rejects(result, { code: 'TURN_CLIENT_ERR_TIMEOUT' });
  });

  it('stops retransmitting once the response with the same transaction ID arrives', async () => {
    const timers = new FakeTimers();
    let sent = 0;
    const t = table(timers);
    const req = new StunMessageBuilder(Method.Allocate, MessageClass.Request);
    const result = t.start(req.transactionId, req.build(), () => sent++, false);
    timers.advance(600);
    const other = new StunMessageBuilder(Method.Allocate, MessageClass.SuccessResponse).build();
    assert.equal(t.complete(decodeStunMessage(other)), false);
    const res = new StunMessageBuilder(Method.Allocate, MessageClass.SuccessResponse, req.transactionId).build();
    assert.equal(t.complete(decodeStunMessage(res)), true);
    assert.equal((await result).messageClass, MessageClass.SuccessResponse);
    timers.advance(60_000);
    assert.equal(sent, 2);
    assert.equal(t.size, 0);
    assert.equal(timers.pending, 0);
  });
});
