// RFC 8489 §9.2 end to end through the daemon: the 401 offers PASSWORD-ALGORITHMS under a nonce
// cookie; our client takes SHA-256 (and USERHASH when asked); coturn's uclient, which knows none of
// it, goes on with MD5.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { validateStunnerConfig } from '@stunner/api';
import { TurnClient } from '@stunner/client';
import { LoggerFactory } from '@stunner/log';
import { Attr, decodeStunMessage, looksLikeStun, MessageClass, Nonce, PasswordAlgorithmAttr } from '@stunner/stun';
import { Stunnerd } from '@stunner/stunnerd';
import { freeUdpPortPair, runUclient } from '@stunner/testing';

/**
 * SOFTWARE makes the first Allocate large enough for the 401 to offer the RFC 8489 features on UDP
 * (the 2× response budget of turn.md §5.4); clients that do not ask for them get an RFC 5389 401.
 */
const RFC8489_SOFTWARE = 'stunner-ts client, RFC 8489';
const quiet = () => new LoggerFactory({ spec: 'all:ERROR', output: () => {} });

/** A UDP hop between one client and the server that decodes what passes, both ways. */
async function tap(serverPort: number) {
  const seen: { requests: ReturnType<typeof decodeStunMessage>[]; responses: ReturnType<typeof decodeStunMessage>[] } =
    { requests: [], responses: [] };
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  let client: RemoteInfo | undefined;
  const decode = (m: Buffer) => (looksLikeStun(m) ? decodeStunMessage(m) : undefined);
  front.on('message', (m, r) => {
    client = r;
    const msg = decode(m);
    if (msg) seen.requests.push(msg);
    back.send(m, serverPort, '127.0.0.1');
  });
  back.on('message', (m) => {
    const msg = decode(m);
    if (msg) seen.responses.push(msg);
    if (client) front.send(m, client.port, client.address);
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => back.bind(0, '127.0.0.1', resolve));
  return {
    port: front.address().port,
    seen,
    close: () => {
      front.close();
      back.close();
    },
  };
}

describe('RFC 8489 §9.2 through stunnerd', { timeout: 60_000 }, () => {
  let peer: ChildProcess;
  let peerPort: number;
  let port: number;
  let d: Stunnerd;
  before(async () => {
    peerPort = await freeUdpPortPair();
    peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' });
    port = await freeUdpPortPair();
    d = new Stunnerd({ logger: quiet(), ipv6: false });
    await d.apply(
      validateStunnerConfig({
        version: 'v1',
        admin: { name: 'test/gw', healthcheck_endpoint: '' },
        auth: { type: 'static', credentials: { username: 'user', password: 'pass' } },
        listeners: [{ name: 'udp', protocol: 'TURN-UDP', address: '127.0.0.1', port, routes: ['media'] }],
        clusters: [{ name: 'media', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
      }),
    );
  });
  after(async () => {
    peer?.kill('SIGTERM');
    await d?.close();
  });

  for (const userhash of [false, true]) {
    it(`relays for our client with a SHA-256 key and MESSAGE-INTEGRITY-SHA256${userhash ? ' and USERHASH' : ''}`, async () => {
      const hop = await tap(port);
      const c = new TurnClient({
        host: '127.0.0.1',
        port: hop.port,
        username: 'user',
        password: 'pass',
        userhash,
        software: RFC8489_SOFTWARE,
      });
      try {
        await c.allocate();
        const echo = { family: 'IPv4' as const, address: '127.0.0.1', port: peerPort };
        await c.bindChannel(echo);
        const got = once(c, 'data', { signal: AbortSignal.timeout(5000) });
        c.send(echo, Buffer.from('sha-256'));
        assert.equal(((await got) as [Buffer])[0].toString(), 'sha-256');
      } finally {
        await c.close();
        hop.close();
      }
      const challenge = hop.seen.responses.find((r) => r.messageClass === MessageClass.ErrorResponse);
      assert.match(challenge?.get(Nonce) ?? '', /^obMatJos2wAAA/, 'the 401 announces both features');
      const signed = hop.seen.requests.filter((r) => r.integritySha256Offset >= 0);
      assert.ok(signed.length >= 3, 'Allocate, ChannelBind, Refresh signed with MESSAGE-INTEGRITY-SHA256');
      for (const r of signed) {
        assert.equal(r.get(PasswordAlgorithmAttr)?.algorithm, 2, 'SHA-256 chosen');
        assert.equal(r.has(Attr.Username), !userhash);
        assert.equal(r.has(Attr.Userhash), userhash);
      }
      const answers = hop.seen.responses.filter((r) => r.messageClass === MessageClass.SuccessResponse);
      assert.ok(answers.length >= 3 && answers.every((r) => r.integritySha256Offset >= 0));
    });
  }

  it('keeps coturn turnutils_uclient (MD5, no PASSWORD-ALGORITHM) working with 0 loss', async () => {
    const r = await runUclient([
      '-u',
      'user',
      '-w',
      'pass',
      '-p',
      String(port),
      '-e',
      '127.0.0.1',
      '-r',
      String(peerPort),
      '-c',
      '-m',
      '2',
      '-n',
      '20',
      '-l',
      '100',
    ]);
    assert.equal(r.lost, 0);
    assert.ok(r.received > 0);
  });
});
