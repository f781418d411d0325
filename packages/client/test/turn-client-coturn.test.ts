import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { type TransportKind, TurnClient, type TurnClientOptions } from '@stunner/client';
import { generateEphemeralCredentials, type TransportAddress } from '@stunner/stun';
import { type Coturn, startCoturn } from '@stunner/testing';
import { type EchoPeer, startEchoPeer } from './udp-echo-peer.ts';

function nextData(client: TurnClient): Promise<[Buffer, TransportAddress]> {
  return once(client, 'data', { signal: AbortSignal.timeout(5000) }) as Promise<[Buffer, TransportAddress]>;
}

describe('TurnClient against coturn', () => {
  let coturn: Coturn;
  let peer: EchoPeer;
  const clients: TurnClient[] = [];

  function client(options: Partial<TurnClientOptions> = {}): TurnClient {
    const c = new TurnClient({
      host: '127.0.0.1',
      port: coturn.port,
      username: coturn.username,
      password: coturn.password,
      ...options,
    });
    clients.push(c);
    return c;
  }

  before(async () => {
    coturn = await startCoturn({ tls: true, deniedPeerIps: ['127.0.0.2'] });
    peer = await startEchoPeer();
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await peer.close();
    await coturn.stop();
  });

  const ports = (): Record<TransportKind, number> => ({
    udp: coturn.port,
    tcp: coturn.port,
    tls: coturn.tlsPort,
    dtls: coturn.tlsPort,
  });

  for (const transport of ['udp', 'tcp', 'tls', 'dtls'] as const) {
    it(`allocates over ${transport}, binds a channel and relays ChannelData both ways`, async () => {
      const c = client({ transport, port: ports()[transport], insecure: true });
      const allocation = await c.allocate();
      assert.equal(allocation.relayed.address, '127.0.0.1');
      assert.ok(allocation.relayed.port > 0);
      assert.equal(allocation.mapped?.address, '127.0.0.1');
      assert.ok(allocation.lifetime > 0);
      const target = { address: '127.0.0.1', port: peer.port };
      const channel = await c.bindChannel(target);
      assert.ok(channel >= 0x4000 && channel <= 0x4fff);
      // Several in a row: a DTLS record numbering bug once dropped the later ones.
      for (let i = 0; i < 5; i++) {
        const reply = nextData(c);
        // 15 bytes: over TCP/TLS the ChannelData needs 1 byte of padding (RFC 8656 §12.5).
        c.send(target, Buffer.from(`Hello STUNner ${i}`));
        const [data, from] = await reply;
        assert.equal(data.toString(), `echo:Hello STUNner ${i}`);
        assert.deepEqual(from, { family: 'IPv4', address: '127.0.0.1', port: peer.port });
      }
      // The peer saw the datagram come from the relayed address.
      assert.equal(peer.received.at(-1)?.from.port, allocation.relayed.port);
      await c.close();
      assert.equal(c.state, 'closed');
    });
  }

  it('falls back to Send and Data indications with only a permission installed', async () => {
    const c = client();
    const allocation = await c.allocate();
    await c.createPermission('127.0.0.1');
    const target = { address: '127.0.0.1', port: peer.port };
    const reply = nextData(c);
    c.send(target, Buffer.from('by indication'));
    const [data] = await reply;
    assert.equal(data.toString(), 'echo:by indication');
    assert.equal(peer.received.at(-1)?.from.port, allocation.relayed.port);
  });

  it('sendTo installs the permission itself and then moves to a channel', async () => {
    const c = client({ transport: 'tcp' });
    await c.allocate();
    const target = { address: '127.0.0.1', port: peer.port };
    const first = nextData(c);
    await c.sendTo(target, Buffer.from('one'));
    assert.equal((await first)[0].toString(), 'echo:one');
    const channel = await c.bindChannel(target);
    const second = nextData(c);
    await c.sendTo(target, Buffer.from('two'));
    assert.equal((await second)[0].toString(), 'echo:two');
    assert.equal(await c.bindChannel(target), channel);
  });

  it('refreshes the allocation on request and by timer', async () => {
    const c = client({ allocationRefreshMs: 50 });
    await c.allocate();
    assert.equal(await c.refresh(1200), 1200);
    const [kind, detail] = await once(c, 'refreshed', { signal: AbortSignal.timeout(5000) });
    assert.equal(kind, 'allocation');
    assert.ok(detail.lifetime > 0);
  });

  it('refreshes permissions and channels by timer', async () => {
    const c = client({ permissionRefreshMs: 30, channelRefreshMs: 60 });
    await c.allocate();
    await c.bindChannel({ address: '127.0.0.1', port: peer.port });
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only saw ${[...seen].join(',')}`)), 5000);
      c.on('refreshed', (kind) => {
        seen.add(kind);
        if (seen.has('permission') && seen.has('channel')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const reply = nextData(c);
    c.send({ address: '127.0.0.1', port: peer.port }, Buffer.from('still bound'));
    assert.equal((await reply)[0].toString(), 'echo:still bound');
  });

  it('close deletes the allocation, so later requests fail as closed', async () => {
    const c = client();
    await c.allocate();
    const since = coturn.log().length;
    const closed = once(c, 'close');
    await c.close();
    const [err] = await closed;
    assert.equal(err, undefined);
    // RFC 8656 §8: Refresh with LIFETIME 0 deletes the allocation.
    await coturn.waitForLog(/refreshed, realm=<stunner\.test>, username=<user>, lifetime=0/, { since });
    await assert.rejects(c.refresh(), { code: 'TURN_CLIENT_ERR_STATE' });
    assert.throws(() => c.send({ address: '127.0.0.1', port: peer.port }, Buffer.from('x')), {
      code: 'TURN_CLIENT_ERR_STATE',
    });
  });

  it('reports a wrong password as 401 wrong credentials', async () => {
    const c = client({ password: 'not-the-password' });
    await assert.rejects(c.allocate(), (err: Error & { code: string; stunCode: number }) => {
      assert.equal(err.code, 'TURN_CLIENT_ERR_UNAUTHORIZED');
      assert.equal(err.stunCode, 401);
      assert.match(err.message, /wrong credentials/);
      assert.doesNotMatch(err.message, /not-the-password/);
      return true;
    });
    assert.equal(c.state, 'closed');
  });

  it('reports missing credentials', async () => {
    const c = client({ username: undefined, password: undefined });
    await assert.rejects(c.allocate(), { code: 'TURN_CLIENT_ERR_NO_CREDENTIALS', stunCode: 401 });
  });

  it('reports a forbidden peer as 403, naming the peer', async () => {
    const c = client();
    await c.allocate();
    await assert.rejects(c.createPermission('127.0.0.2'), (err: Error & { code: string; stunCode: number }) => {
      assert.equal(err.code, 'TURN_CLIENT_ERR_FORBIDDEN');
      assert.equal(err.stunCode, 403);
      assert.match(err.message, /peer 127\.0\.0\.2/);
      assert.match(err.message, /not the credentials/);
      return true;
    });
    await assert.rejects(c.bindChannel({ address: '127.0.0.2', port: 9 }), { code: 'TURN_CLIENT_ERR_FORBIDDEN' });
  });

  it('rejects an invalid peer address before sending anything', async () => {
    const c = client();
    await c.allocate();
    assert.throws(() => c.send({ address: 'not-an-ip', port: 1 }, Buffer.from('x')), {
      code: 'TURN_CLIENT_ERR_INVALID_ARGUMENT',
    });
    assert.throws(() => c.bindChannel({ address: '127.0.0.1', port: 0 }), {
      code: 'TURN_CLIENT_ERR_INVALID_ARGUMENT',
    });
  });

  it('rejects an untrusted TLS certificate unless insecure, and accepts it with the CA', async () => {
    const strict = client({ transport: 'tls', port: coturn.tlsPort });
    await assert.rejects(strict.allocate(), { code: 'TURN_CLIENT_ERR_CONNECT', message: /insecure/ });
    const withCa = client({ transport: 'tls', port: coturn.tlsPort, ca: coturn.cert!.cert });
    assert.ok((await withCa.allocate()).relayed.port > 0);
  });

  for (const transport of ['tls', 'dtls'] as const) {
    it(`checks the ${transport.toUpperCase()} certificate against the server name (SNI) given`, async () => {
      const ca = coturn.cert!.cert;
      const good = client({ transport, port: coturn.tlsPort, ca, servername: 'localhost' });
      assert.ok((await good.allocate()).relayed.port > 0);
      const wrong = client({ transport, port: coturn.tlsPort, ca, servername: 'turn.example.com' });
      await assert.rejects(wrong.allocate(), { code: 'TURN_CLIENT_ERR_CONNECT', message: /turn\.example\.com/ });
    });
  }

  it('rejects an untrusted DTLS certificate unless insecure, and accepts it with the CA', async () => {
    const strict = client({ transport: 'dtls', port: coturn.tlsPort });
    await assert.rejects(strict.allocate(), { code: 'TURN_CLIENT_ERR_CONNECT', message: /insecure/ });
    const withCa = client({ transport: 'dtls', port: coturn.tlsPort, ca: coturn.cert!.cert });
    assert.ok((await withCa.allocate()).relayed.port > 0);
  });
});

describe('TurnClient with ephemeral (TURN REST) credentials against coturn', () => {
  let coturn: Coturn;
  before(async () => {
    coturn = await startCoturn({ authSecret: 'shared-secret' });
  });
  after(() => coturn.stop());

  it('allocates with a username and password made from the shared secret', async () => {
    const creds = generateEphemeralCredentials('shared-secret', 'alice', Math.floor(Date.now() / 1000), 3600);
    const c = new TurnClient({ host: '127.0.0.1', port: coturn.port, ...creds });
    assert.ok((await c.allocate()).relayed.port > 0);
    await c.close();
  });

  it('makes its own ephemeral credentials from authSecret, with or without a user id', async () => {
    for (const ephemeralUserId of [undefined, 'bob']) {
      const c = new TurnClient({ host: '127.0.0.1', port: coturn.port, authSecret: 'shared-secret', ephemeralUserId });
      assert.ok((await c.allocate()).relayed.port > 0);
      await c.close();
    }
    const wrong = new TurnClient({ host: '127.0.0.1', port: coturn.port, authSecret: 'other-secret' });
    await assert.rejects(wrong.allocate(), { code: 'TURN_CLIENT_ERR_UNAUTHORIZED' });
  });

  it('is refused with 401 when the secret is wrong', async () => {
    const creds = generateEphemeralCredentials('other-secret', 'alice', Math.floor(Date.now() / 1000), 3600);
    const c = new TurnClient({ host: '127.0.0.1', port: coturn.port, ...creds });
    await assert.rejects(c.allocate(), { code: 'TURN_CLIENT_ERR_UNAUTHORIZED' });
  });
});
