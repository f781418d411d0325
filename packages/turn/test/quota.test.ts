import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lifetime, Method, RequestedTransport, TransportProtocol } from '@stunner/stun';
import { type RelayRequest, UserQuotaCounter } from '@stunner/turn';
import { assertError, assertSuccess, harness, TestClient } from './harness.ts';

const release = (c: TestClient) => assertSuccess(c.request(Method.Refresh, (b) => b.add(Lifetime, 0)));

describe('user quota (stunner-v1.md §1.9, 486)', () => {
  it('counts across engines sharing one counter (every listener of a daemon)', () => {
    const quota = new UserQuotaCounter(2);
    const udp = harness({ quota });
    const tcp = harness({ quota });
    const a = new TestClient(udp);
    const b = new TestClient(tcp);
    assertSuccess(a.allocate());
    assertSuccess(b.allocate());
    assert.equal(quota.held('user-1'), 2);
    const c = new TestClient(tcp);
    assertError(c.allocate(), 486);
    release(a);
    assert.equal(quota.held('user-1'), 1, 'a freed allocation frees quota');
    assertSuccess(c.allocate());
  });

  it('gives the unit back when an allocation expires, its client leaves, its relay fails, or the engine closes', () => {
    const quota = new UserQuotaCounter(0);
    const h = harness({ quota });
    assertSuccess(new TestClient(h).allocate());
    h.advance(601_000);
    assert.equal(quota.held('user-1'), 0, 'expired');
    const tcp = new TestClient(h);
    assertSuccess(tcp.allocate());
    h.engine.clientClosed(tcp.endpoint);
    assert.equal(quota.held('user-1'), 0, 'client closed');
    h.sink.autoBind = () => 508;
    assertError(new TestClient(h).allocate(), 508);
    assert.equal(quota.held('user-1'), 0, 'relay failed');
    h.sink.autoBind = false;
    const pending = new TestClient(h);
    pending.handshake();
    pending.feed(pending.build(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP)));
    assert.equal(quota.held('user-1'), 1, 'pending counts');
    h.engine.close();
    assert.equal(quota.held('user-1'), 0, 'engine closed');
  });

  it('does not take a unit for a request the admission hook or capacity refuses', () => {
    const quota = new UserQuotaCounter(1);
    const h = harness({ quota, admitAllocation: () => 508 });
    assertError(new TestClient(h).allocate(), 508);
    assert.equal(quota.held('user-1'), 0);
  });

  it('lets an adapter keep the quota elsewhere: it sees the user id and answers relayFailed 486', () => {
    const seen: string[] = [];
    const h = harness();
    h.sink.autoBind = (req: RelayRequest) => {
      seen.push(req.userId);
      return seen.length > 1 ? 486 : h.sink.bind(req);
    };
    assertSuccess(new TestClient(h).allocate());
    assertError(new TestClient(h).allocate(), 486);
    assert.deepEqual(seen, ['user-1', 'user-1']);
    assert.equal(h.engine.allocationCount, 1);
  });
});
