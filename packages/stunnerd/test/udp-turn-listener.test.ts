import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  AddressFamily,
  decodeStunMessage,
  ErrorCode,
  Lifetime,
  longTermKey,
  MessageClass,
  Method,
  Nonce,
  Realm,
  RequestedAddressFamily,
  RequestedTransport,
  type StunMessage,
  StunMessageBuilder,
  TransportProtocol,
  Username,
  XorPeerAddress,
  XorRelayedAddress,
} from '@stunner/stun';
import { PeerFilter, UdpTurnListener } from '@stunner/stunnerd';
import { freeUdpPortPair, runUclient } from '@stunner/testing';

const REALM = 'stunner.l7mp.io';
const SECRET = 'uclient-rest-secret';

describe('TURN-UDP listener with coturn turnutils_uclient (turn.md §4.5)', () => {
  let peer: ChildProcess;
  let peerPort: number;
  const listeners: UdpTurnListener[] = [];
  let staticPort: number;
  let ephemeralPort: number;

  before(async () => {
    peerPort = await freeUdpPortPair();
    peer = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(peerPort)], { stdio: 'ignore' });
    // An endpoint naming 127.0.0.1/32 opens loopback for the test peer (issue 3, peer filtering).
    const clusters = [{ name: 'peer', type: 'STATIC' as const, endpoints: ['127.0.0.1/32'] }];
    for (const auth of [
      { type: 'static' as const, realm: REALM, username: 'user', password: 'pass' },
      { type: 'ephemeral' as const, realm: REALM, secret: SECRET },
    ]) {
      const filter = new PeerFilter({ clusters });
      const l = new UdpTurnListener({
        port: 0,
        relayAddress: '127.0.0.1',
        auth,
        ipv6: false,
        admitPeer: (address, port) => filter.admit(address, port),
        engine: { legacyChannelNumbers: true },
      });
      const [bound] = await l.start();
      listeners.push(l);
      if (auth.type === 'static') staticPort = bound!.port;
      else ephemeralPort = bound!.port;
    }
  });

  after(async () => {
    peer?.kill('SIGTERM');
    await Promise.all(listeners.map((l) => l.close()));
  });

  const common = () => ['-e', '127.0.0.1', '-r', String(peerPort), '-n', '20', '-l', '120', '-z', '5'];

  it('relays every packet: channels (-c), EVEN-PORT RTP/RTCP pairs, Send indications (-s), REST auth (-W)', async () => {
    const runs = await Promise.all([
      runUclient(['-u', 'user', '-w', 'pass', '-p', String(staticPort), '-c', '-m', '4', ...common()]),
      runUclient(['-u', 'user', '-w', 'pass', '-p', String(staticPort), '-m', '2', ...common()]),
      runUclient(['-u', 'user', '-w', 'pass', '-p', String(staticPort), '-c', '-s', '-m', '2', ...common()]),
      runUclient(['-W', SECRET, '-u', 'alice', '-p', String(ephemeralPort), '-c', '-m', '2', ...common()]),
    ]);
    // Without -c, -m 2 is one RTP/RTCP pair: two sessions.
    const expected = [4 * 20, 2 * 20, 2 * 20, 2 * 20];
    runs.forEach((r, i) => {
      assert.equal(r.sent, expected[i], `run ${i} sent\n${r.output.slice(-1500)}`);
      assert.equal(r.received, r.sent, `run ${i} received\n${r.output.slice(-1500)}`);
      assert.equal(r.lost, 0, `run ${i} lost`);
    });
  });
});

/** A minimal client over a real UDP socket, for checks turnutils_uclient cannot express. */
class UdpClient {
  readonly socket: Socket = createSocket('udp4');
  nonce = '';
  readonly key = longTermKey('user', REALM, 'pass');

  readonly port: number;

  constructor(port: number) {
    this.port = port;
  }

  async open(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
  }

  async request(method: number, add: (b: StunMessageBuilder) => void, auth = true): Promise<StunMessage> {
    const b = new StunMessageBuilder(method, MessageClass.Request);
    add(b);
    if (auth) b.add(Username, 'user').add(Realm, REALM).add(Nonce, this.nonce);
    const reply = once(this.socket, 'message');
    this.socket.send(auth ? b.build({ key: this.key }) : b.build(), this.port, '127.0.0.1');
    const [msg] = (await reply) as [Buffer];
    const res = decodeStunMessage(msg);
    if (res.get(ErrorCode)?.code === 401 && !auth) this.nonce = res.get(Nonce)!;
    return res;
  }

  close(): void {
    this.socket.close();
  }
}

describe('TURN-UDP listener peer filtering (stunner-v1.md §1.10, turn.md §5.5)', () => {
  it('refuses loopback peers, also as ::ffff:127.0.0.1 on an IPv6 relay, under an open route', async (t) => {
    const filter = new PeerFilter({
      clusters: [{ name: 'allow-any', type: 'STATIC', endpoints: ['0.0.0.0/0', '::/0'] }],
    });
    const l = new UdpTurnListener({
      port: 0,
      relayAddress: '127.0.0.1',
      relayAddress6: '::1',
      auth: { type: 'static', realm: REALM, username: 'user', password: 'pass' },
      ipv6: false,
      admitPeer: (address, port) => filter.admit(address, port),
    });
    const [bound] = await l.start();
    const c = new UdpClient(bound!.port);
    await c.open();
    t.after(async () => {
      c.close();
      await l.close();
    });
    await c.request(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP), false);
    const v4 = await c.request(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP));
    assert.equal(v4.messageClass, MessageClass.SuccessResponse);
    assert.equal(v4.get(XorRelayedAddress)?.address, '127.0.0.1');
    const refuse = async (address: string) => {
      const family = address.includes(':') ? ('IPv6' as const) : ('IPv4' as const);
      const res = await c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, { family, address, port: 9 }));
      return res.get(ErrorCode)?.code;
    };
    for (const ip of ['127.0.0.1', '127.0.0.2', '0.0.0.0', '169.254.169.254', '255.255.255.255']) {
      assert.equal(await refuse(ip), 403, ip);
    }
    assert.equal(await refuse('198.51.100.1'), undefined, 'a routed public peer is admitted');

    // A second client with an IPv6 relay.
    const c6 = new UdpClient(bound!.port);
    await c6.open();
    t.after(() => c6.close());
    await c6.request(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP), false);
    const v6 = await c6.request(Method.Allocate, (b) =>
      b.add(RequestedTransport, TransportProtocol.UDP).add(RequestedAddressFamily, AddressFamily.IPv6),
    );
    assert.equal(v6.messageClass, MessageClass.SuccessResponse, `IPv6 relay: ${v6.get(ErrorCode)?.code}`);
    for (const ip of ['::ffff:127.0.0.1', '::ffff:0.0.0.0', '::1', '::', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1']) {
      const res = await c6.request(Method.CreatePermission, (b) =>
        b.add(XorPeerAddress, { family: 'IPv6', address: ip, port: 9 }),
      );
      assert.equal(res.get(ErrorCode)?.code, 403, ip);
    }
  });
});

describe('stunnerd quick mode (turn://user:pass@addr:port?transport=udp)', () => {
  it('serves TURN-UDP with static auth and the open allow-any route, loopback still refused', async (t) => {
    const port = await freeUdpPortPair();
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const daemon = spawn(process.execPath, [main, `turn://user:pass@127.0.0.1:${port}?transport=udp`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => daemon.kill('SIGTERM'));
    let stderr = '';
    daemon.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // A daemon that cannot serve exits: fail with what it said instead of waiting for a line forever.
    const [line] = (await Promise.race([
      once(daemon.stdout!, 'data'),
      once(daemon, 'exit').then(([code]) => {
        throw new Error(`quick-mode stunnerd exited ${code} before announcing its listener:\n${stderr}`);
      }),
    ])) as [Buffer];
    assert.match(line.toString(), new RegExp(`port ${port}`));
    const c = new UdpClient(port);
    await c.open();
    t.after(() => c.close());
    await c.request(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP), false);
    const res = await c.request(Method.Allocate, (b) => b.add(RequestedTransport, TransportProtocol.UDP));
    assert.equal(res.messageClass, MessageClass.SuccessResponse);
    assert.equal(res.get(XorRelayedAddress)?.address, '127.0.0.1');
    const permit = async (address: string) =>
      (
        await c.request(Method.CreatePermission, (b) => b.add(XorPeerAddress, { family: 'IPv4', address, port: 9 }))
      ).get(ErrorCode)?.code;
    assert.equal(await permit('127.0.0.1'), 403);
    assert.equal(await permit('198.51.100.1'), undefined);
    // stunner-v1.md §1.14: SIGTERM drains; the process exits once the last allocation is gone.
    daemon.kill('SIGTERM');
    const gone = await c.request(Method.Refresh, (b) => b.add(Lifetime, 0));
    assert.equal(gone.messageClass, MessageClass.SuccessResponse);
    const [code] = await once(daemon, 'exit');
    assert.equal(code, 0);
  });

  it('exits 2 naming what is wrong with the URI', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const daemon = spawn(process.execPath, [main, 'turn://user:pass@10.0.0.1:3478?transport=sctp'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    daemon.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const [code] = await once(daemon, 'exit');
    assert.equal(code, 2);
    assert.match(err, /transport "sctp"/);
  });
});
