import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ephemeralPassword, Method } from '@stunner/stun';
import { TurnEngine, type TurnEngineOptions } from '@stunner/turn';
import { assertError, assertSuccess, harness, REALM, RecordingSink, T0, TestClient } from './harness.ts';

const auth = { type: 'static', realm: REALM, username: 'u', password: 'p' } as const;

describe('engine options', () => {
  for (const [what, options, field] of [
    ['maxLifetime below defaultLifetime', { auth, defaultLifetime: 600, maxLifetime: 300 }, /^maxLifetime/],
    ['a non-integer lifetime', { auth, permissionLifetime: 1.5 }, /^permissionLifetime/],
    ['an unknown relay family', { auth, relayFamilies: ['IPv5'] }, /^relayFamilies/],
    ['a short nonce secret', { auth, nonceSecret: Buffer.alloc(4) }, /^nonceSecret/],
    ['a nonce lifetime beyond its 24-bit timestamp', { auth, nonceLifetime: 2 ** 23 + 1 }, /^nonceLifetime/],
    ['static auth without a username', { auth: { ...auth, username: '' } }, /^auth\.username/],
    ['ephemeral auth without a secret', { auth: { type: 'ephemeral', realm: REALM, secret: '' } }, /^auth\.secret/],
    ['an unknown auth type', { auth: { type: 'plaintext', realm: REALM } }, /^auth\.type/],
  ] as const) {
    it(`refuses ${what} with TURN_ERR_INVALID_OPTION naming the field`, () => {
      assert.throws(() => new TurnEngine({ ...(options as unknown as TurnEngineOptions), sink: new RecordingSink() }), {
        code: 'TURN_ERR_INVALID_OPTION',
        message: field,
      });
    });
  }

  it('refuses a missing sink', () => {
    assert.throws(() => new TurnEngine({ auth } as unknown as TurnEngineOptions), {
      code: 'TURN_ERR_INVALID_OPTION',
    });
  });

  it('setAuth swaps credentials: new requests need the new password', () => {
    const h = harness();
    const c = new TestClient(h);
    assertSuccess(c.allocate());
    h.engine.setAuth({ type: 'static', realm: REALM, username: 'user-1', password: 'rotated' });
    assertError(c.request(Method.Refresh), 401);
    c.password = 'rotated';
    assertSuccess(c.request(Method.Refresh), c.key());
  });

  it('setAuth with a new ephemeral secret: a key derived under the old secret is not used again', () => {
    const h = harness({ auth: { type: 'ephemeral', realm: REALM, secret: 'secret-1' } });
    const username = `${T0 / 1000 + 600}:alice`;
    const c = new TestClient(h, { username, password: ephemeralPassword('secret-1', username) });
    assertSuccess(c.allocate());
    // The user's key is now derived (and kept) under secret-1.
    assertSuccess(c.request(Method.Refresh), c.key());
    h.engine.setAuth({ type: 'ephemeral', realm: REALM, secret: 'secret-2' });
    assertError(c.request(Method.Refresh), 401);
    c.password = ephemeralPassword('secret-2', username);
    assertSuccess(c.request(Method.Refresh), c.key());
  });
});
