import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { describe, it } from 'node:test';
import { TurnClient } from '@stunner/client';
import {
  decodeStunMessage,
  ErrorCode,
  Lifetime,
  longTermKey,
  MessageClass,
  Nonce,
  Realm,
  type StunMessage,
  StunMessageBuilder,
  Username,
  verifyMessageIntegrity,
  XorMappedAddress,
  XorRelayedAddress,
} from '@stunner/stun';
import { freePort } from '@stunner/testing';

/** A UDP socket on 127.0.0.1 that hands each request to `answer` and sends back what it returns. */
async function scriptedServer(
  answer: (req: StunMessage) => Buffer | undefined,
): Promise<{ port: number; socket: Socket }> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    const res = answer(decodeStunMessage(msg));
    if (res) socket.send(res, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, socket };
}

describe('TurnClient against scripted servers', () => {
  it('retries on 401 with credentials and on 438 with the fresh nonce (RFC 8489 §9.2)', async () => {
    const key = longTermKey('user', 'scripted', 'pass');
    const seen: Array<{ user: string | undefined; nonce: string | undefined; integrity: boolean }> = [];
    const { port, socket } = await scriptedServer((req) => {
      seen.push({ user: req.get(Username), nonce: req.get(Nonce), integrity: verifyMessageIntegrity(req, key) });
      const tid = req.transactionId;
      if (seen.length === 1) {
        return new StunMessageBuilder(req.method, MessageClass.ErrorResponse, tid)
          .add(ErrorCode, { code: 401, reason: 'Unauthorized' })
          .add(Realm, 'scripted')
          .add(Nonce, 'nonce-1')
          .build();
      }
      if (seen.length === 2) {
        return new StunMessageBuilder(req.method, MessageClass.ErrorResponse, tid)
          .add(ErrorCode, { code: 438, reason: 'Stale Nonce' })
          .add(Realm, 'scripted')
          .add(Nonce, 'nonce-2')
          .build();
      }
      return new StunMessageBuilder(req.method, MessageClass.SuccessResponse, tid)
        .add(XorRelayedAddress, { family: 'IPv4', address: '127.0.0.1', port: 50000 })
        .add(XorMappedAddress, { family: 'IPv4', address: '127.0.0.1', port: 40000 })
        .add(Lifetime, 600)
        .build({ key, fingerprint: true });
    });
    const c = new TurnClient({ host: '127.0.0.1', port, username: 'user', password: 'pass', closeTimeoutMs: 50 });
    const allocation = await c.allocate();
    assert.equal(allocation.relayed.port, 50000);
    assert.deepEqual(seen, [
      { user: undefined, nonce: undefined, integrity: false },
      { user: 'user', nonce: 'nonce-1', integrity: true },
      { user: 'user', nonce: 'nonce-2', integrity: true },
    ]);
    await c.close();
    socket.close();
  });

  it('gives up after repeated 438s', async () => {
    let n = 0;
    const { port, socket } = await scriptedServer((req) =>
      new StunMessageBuilder(req.method, MessageClass.ErrorResponse, req.transactionId)
        .add(ErrorCode, n++ === 0 ? { code: 401, reason: '' } : { code: 438, reason: '' })
        .add(Realm, 'scripted')
        .add(Nonce, `nonce-${n}`)
        .build(),
    );
    const c = new TurnClient({ host: '127.0.0.1', port, username: 'u', password: 'p', maxStaleNonceRetries: 2 });
    await assert.rejects(c.allocate(), { code: 'TURN_CLIENT_ERR_STALE_NONCE', stunCode: 438 });
    assert.equal(n, 4);
    socket.close();
  });

  it('refuses a success response whose MESSAGE-INTEGRITY does not verify', async () => {
    let n = 0;
    const { port, socket } = await scriptedServer((req) => {
      if (n++ === 0) {
        return new StunMessageBuilder(req.method, MessageClass.ErrorResponse, req.transactionId)
          .add(ErrorCode, { code: 401, reason: '' })
          .add(Realm, 'r')
          .add(Nonce, 'n')
          .build();
      }
      return new StunMessageBuilder(req.method, MessageClass.SuccessResponse, req.transactionId)
        .add(XorRelayedAddress, { family: 'IPv4', address: '127.0.0.1', port: 50000 })
        .build({ key: longTermKey('u', 'r', 'other') });
    });
    const c = new TurnClient({ host: '127.0.0.1', port, username: 'u', password: 'p' });
    await assert.rejects(c.allocate(), { code: 'TURN_CLIENT_ERR_PROTOCOL', message: /MESSAGE-INTEGRITY/ });
    socket.close();
  });

  it('retransmits Rc times to a silent server, then reports it unreachable', async () => {
    let received = 0;
    const { port, socket } = await scriptedServer(() => {
      received++;
      return undefined;
    });
    const c = new TurnClient({ host: '127.0.0.1', port, rto: 10, maxTransmissions: 7, lastWaitFactor: 4 });
    await assert.rejects(c.allocate(), {
      code: 'TURN_CLIENT_ERR_TIMEOUT',
      message: new RegExp(`udp://127\\.0\\.0\\.1:${port} is unreachable: no response after 7 transmission`),
    });
    assert.equal(received, 7);
    socket.close();
  });

  it('says when ICMP port unreachable came back from a closed port', async () => {
    const port = await freePort();
    const c = new TurnClient({ host: '127.0.0.1', port, rto: 10, maxTransmissions: 3, lastWaitFactor: 4 });
    await assert.rejects(c.allocate(), { code: 'TURN_CLIENT_ERR_TIMEOUT', message: /ICMP port unreachable/ });
  });

  it('reports a DTLS server port where nothing listens as a connect error', async () => {
    const port = await freePort();
    const c = new TurnClient({ host: '127.0.0.1', port, transport: 'dtls', connectTimeoutMs: 5000 });
    await assert.rejects(c.allocate(), { code: 'TURN_CLIENT_ERR_CONNECT', message: /ICMP port unreachable/ });
  });

  it('reports a refused TCP connection as a connect error', async () => {
    const port = await freePort();
    const c = new TurnClient({ host: '127.0.0.1', port, transport: 'tcp' });
    await assert.rejects(c.allocate(), { code: 'TURN_CLIENT_ERR_CONNECT', message: /ECONNREFUSED/ });
  });

  it('rejects bad options', () => {
    assert.throws(() => new TurnClient({ host: '', port: 3478 }), { code: 'TURN_CLIENT_ERR_INVALID_ARGUMENT' });
    assert.throws(() => new TurnClient({ host: 'h', port: 70000 }), { code: 'TURN_CLIENT_ERR_INVALID_ARGUMENT' });
    assert.throws(() => new TurnClient({ host: 'h', port: 1, username: 'u' }), {
      code: 'TURN_CLIENT_ERR_INVALID_ARGUMENT',
    });
    assert.throws(() => new TurnClient({ host: 'h', port: 1, username: 'u', password: 'p', authSecret: 's' }), {
      code: 'TURN_CLIENT_ERR_INVALID_ARGUMENT',
    });
  });
});
