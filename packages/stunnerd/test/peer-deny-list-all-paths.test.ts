// turn.md §5.5 item 1 against the stunnerd process: every denied peer address, in every form that
// embeds one (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo), is refused on every path that names a
// peer (CreatePermission, ChannelBind, Send, ChannelData, and datagrams from the peer), with IPv4 and
// IPv6 relays, under a route open to everything; and a policy change closes paths already open.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import {
  AddressFamily,
  RequestedAddressFamily,
  RequestedTransport,
  type TransportAddress,
  TransportProtocol,
  XorRelayedAddress,
} from '@stunner/stun';
import { freeUdpPortPair, waitUntil } from '@stunner/testing';
import { V4_DENIED, V6_DENIED } from './support/denied-peers.ts';
import { code, ok, RawTurnClient } from './support/raw-turn-client.ts';
import { type ConfigSpec, type StunnerdProcess, startStunnerd } from './support/stunnerd-process.ts';

const peer = (address: string, port: number): TransportAddress => ({
  family: address.includes(':') ? 'IPv6' : 'IPv4',
  address,
  port,
});

async function allocated(port: number, v6: boolean): Promise<RawTurnClient & { relayed: TransportAddress }> {
  const c = new RawTurnClient({ port, server: v6 ? '::1' : '127.0.0.1', local: v6 ? '::1' : '127.0.0.1' });
  await c.open();
  const res = await c.request(0x003, (b) => {
    b.add(RequestedTransport, TransportProtocol.UDP);
    if (v6) b.add(RequestedAddressFamily, AddressFamily.IPv6);
  });
  assert.ok(ok(res), `allocate (${v6 ? 'IPv6' : 'IPv4'} relay): ${code(res)}`);
  const relayed = res!.get(XorRelayedAddress)!;
  assert.equal(relayed.family, v6 ? 'IPv6' : 'IPv4');
  return Object.assign(c, { relayed });
}

/** A UDP socket on loopback that counts what arrives: where a wrongly relayed datagram would land. */
async function sink(family: 'udp4' | 'udp6'): Promise<{ socket: Socket; port: number; got: Buffer[] }> {
  const socket = createSocket(family);
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((r) => socket.bind(0, family === 'udp4' ? '127.0.0.1' : '::1', r));
  return { socket, port: socket.address().port, got };
}

describe('peer deny list on every path, every address form (stunnerd process)', { timeout: 120_000 }, () => {
  let daemon: StunnerdProcess;
  let v4: Awaited<ReturnType<typeof allocated>>;
  let v6: Awaited<ReturnType<typeof allocated>>;
  let loop: Awaited<ReturnType<typeof sink>>;
  before(async () => {
    const [p4, p6] = [await freeUdpPortPair(), await freeUdpPortPair()];
    daemon = await startStunnerd({
      listeners: [
        { name: 'udp4', protocol: 'TURN-UDP', port: p4, address: '127.0.0.1' },
        { name: 'udp6', protocol: 'TURN-UDP', port: p6, address: '::1' },
      ],
    });
    v4 = await allocated(p4, false);
    v6 = await allocated(p6, true);
    loop = await sink('udp4');
  });
  after(async () => {
    v4?.close();
    v6?.close();
    loop?.socket.close();
    await daemon?.kill();
  });

  for (const address of V4_DENIED) {
    it(`IPv4 relay: ${address} → 403 on CreatePermission and ChannelBind; Send and ChannelData dropped`, async () => {
      const p = peer(address, loop.port);
      assert.equal(code(await v4.createPermission(p)), 403, 'CreatePermission');
      assert.equal(code(await v4.channelBind(0x4001, p)), 403, 'ChannelBind');
      v4.sendIndication(p, Buffer.from('must-not-arrive'));
      v4.channelData(0x4001, Buffer.from('must-not-arrive'));
      // A Binding round trip orders the check after the indication on the daemon's one socket.
      await v4.exchange(v4.build(0x001, () => {}, false));
      assert.deepEqual(loop.got, []);
    });
  }

  for (const [address, form] of V6_DENIED) {
    it(`IPv6 relay: ${address} (${form}) → 403 on CreatePermission and ChannelBind`, async () => {
      const p = peer(address, 9);
      assert.equal(code(await v6.createPermission(p)), 403, 'CreatePermission');
      assert.equal(code(await v6.channelBind(0x4002, p)), 403, 'ChannelBind');
      v6.sendIndication(p, Buffer.from('must-not-arrive'));
    });
  }

  it('an admitted peer on the same relays: 200 (the refusals above are the filter, not the relay)', async () => {
    assert.ok(ok(await v4.createPermission(peer('198.51.100.1', 9))));
    assert.ok(ok(await v6.createPermission(peer('2001:db8::1', 9))));
  });
});

describe('a policy change closes paths already open (stunnerd -w, turn.md §5.3 re-check)', { timeout: 120_000 }, () => {
  it('Send, ChannelData and peer datagrams stop once the route no longer names 127.0.0.1', async (t) => {
    const port = await freeUdpPortPair();
    const spec = (endpoints: string[]): ConfigSpec => ({
      listeners: [{ name: 'udp', protocol: 'TURN-UDP', port }],
      endpoints,
    });
    const daemon = await startStunnerd(spec(['127.0.0.1/32']), ['-w']);
    const peerSock = await sink('udp4');
    t.after(async () => {
      peerSock.socket.close();
      await daemon.kill();
    });
    const c = await allocated(port, false);
    t.after(() => c.close());
    const p = peer('127.0.0.1', peerSock.port);
    assert.ok(ok(await c.createPermission(p)), 'loopback opened by the route');
    assert.ok(ok(await c.channelBind(0x4003, p)));
    c.sendIndication(p, Buffer.from('send-1'));
    c.channelData(0x4003, Buffer.from('chan-1'));
    await waitUntil('both datagrams at the peer', () => (peerSock.got.length === 2 ? true : undefined), 5000);
    peerSock.socket.send(Buffer.from('back-1'), c.relayed.port, '127.0.0.1');
    await waitUntil('the peer datagram at the client', () => (c.received === 1 ? true : undefined), 5000);

    // The route closes: the permission and channel exist in the engine but the filter refuses them.
    daemon.rewrite(spec(['198.51.100.0/24']));
    await daemon.waitFor(/config applied[\s\S]*config applied/);
    peerSock.got.length = 0;
    c.sendIndication(p, Buffer.from('send-2'));
    c.channelData(0x4003, Buffer.from('chan-2'));
    peerSock.socket.send(Buffer.from('back-2'), c.relayed.port, '127.0.0.1');
    await c.exchange(c.build(0x001, () => {}, false));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      peerSock.got.map((b) => b.toString()),
      [],
    );
    assert.equal(c.received, 1, 'the peer datagram after the change is dropped');
    assert.equal(code(await c.createPermission(p)), 403, 'CreatePermission after the change');
  });
});
