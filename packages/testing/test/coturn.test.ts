import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import {
  decodeStunMessage,
  ErrorCode,
  MessageClass,
  Method,
  Realm,
  RequestedTransport,
  StunMessageBuilder,
  TransportProtocol,
  XorMappedAddress,
} from '@stunner/stun';
import { type Coturn, startCoturn } from '@stunner/testing';

function udpRequest(port: number, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no answer in 2 s'));
    }, 2000);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(request, port, '127.0.0.1');
  });
}

describe('startCoturn', () => {
  let coturn: Coturn;
  before(async () => {
    coturn = await startCoturn({ tls: true, realm: 'harness.test' });
  });
  after(() => coturn.stop());

  it('answers a STUN Binding on its UDP port with the mapped address', async () => {
    const req = new StunMessageBuilder(Method.Binding, MessageClass.Request);
    const res = decodeStunMessage(await udpRequest(coturn.port, req.build()));
    assert.equal(res.messageClass, MessageClass.SuccessResponse);
    assert.deepEqual(res.transactionId, req.transactionId);
    assert.equal(res.get(XorMappedAddress)?.address, '127.0.0.1');
  });

  it('asks an unauthenticated Allocate for credentials in its realm (401)', async () => {
    const req = new StunMessageBuilder(Method.Allocate, MessageClass.Request).add(
      RequestedTransport,
      TransportProtocol.UDP,
    );
    const res = decodeStunMessage(await udpRequest(coturn.port, req.build()));
    assert.equal(res.messageClass, MessageClass.ErrorResponse);
    assert.equal(res.get(ErrorCode)?.code, 401);
    assert.equal(res.get(Realm), 'harness.test');
  });

  it('lets tests wait for what it logs', async () => {
    const since = coturn.log().length;
    const req = new StunMessageBuilder(Method.Allocate, MessageClass.Request);
    await udpRequest(coturn.port, req.build());
    await coturn.waitForLog(/error 401/, { since });
    await assert.rejects(coturn.waitForLog(/never logged/, { since, timeoutMs: 50 }), /did not log/);
  });

  it('serves TLS on tlsPort with the generated certificate', async () => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: coturn.tlsPort,
      ca: coturn.cert!.cert,
      servername: 'localhost',
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    assert.equal(socket.authorized, true);
    socket.destroy();
  });
});
