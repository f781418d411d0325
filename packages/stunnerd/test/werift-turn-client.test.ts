// Interop with an independent TURN client (issue 3, Tests): werift-ice's TURN client against stunnerd's
// listeners over TURN-UDP, TURN-TCP and TURN-TLS — allocate, permission, channel, and echo through a
// UDP peer on loopback.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { AllocationInfo, TurnEngineEvents } from '@stunner/turn';
import { classes, Message, methods, TurnProtocol } from 'werift-ice';
import { TcpTransport, TlsTransport, UdpTransport } from 'werift-ice/lib/common/src/transport.js';
import {
  type LoopbackTurnServer,
  PASSWORD,
  REALM,
  startLoopbackTurn,
  type TurnTransport,
  USERNAME,
} from './support/loopback-turn.ts';

const WAIT_MS = 5000;

/** Resolves with the first value `subscribe` delivers, or rejects after WAIT_MS naming `what`. */
function waitFor<T>(what: string, subscribe: (deliver: (value: T) => void) => () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    let unsubscribe = (): void => {};
    const timer = setTimeout(() => {
      done = true;
      unsubscribe();
      reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`));
    }, WAIT_MS);
    unsubscribe = subscribe((value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      queueMicrotask(unsubscribe);
      resolve(value);
    });
  });
}

/**
 * werift's `createTurnClient` without its refresh loop: the loop sleeps 5/6 of the lifetime on a timer
 * that `close()` does not cancel (werift-ice 0.2.3), which would hold the test process for 500 s.
 * Refresh is exercised explicitly instead. Otherwise the same steps: werift's own transport (TLS
 * trusting only the server's self-signed certificate), its `TurnProtocol`, and `connectionMade()`
 * (the Allocate with its 401 round trip).
 */
async function turnClient(server: LoopbackTurnServer): Promise<TurnProtocol> {
  const address: [string, number] = ['127.0.0.1', server.port];
  const transport =
    server.transport === 'udp'
      ? await UdpTransport.init('udp4')
      : server.transport === 'tcp'
        ? await TcpTransport.init(address)
        : await TlsTransport.init(address, { ca: server.cert!.cert });
  const turn = new TurnProtocol(address, USERNAME, PASSWORD, 600, transport);
  Reflect.set(turn, 'refresh', () => {});
  await turn.connectionMade();
  return turn;
}

/** A UDP echo peer on loopback that records where each datagram came from. */
class EchoPeer {
  readonly socket: Socket = createSocket('udp4');
  readonly sources: string[] = [];

  async start(): Promise<number> {
    this.socket.on('message', (msg, rinfo) => {
      this.sources.push(`${rinfo.address}:${rinfo.port}`);
      this.socket.send(Buffer.concat([Buffer.from('echo:'), msg]), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}

const NAMES: Record<TurnTransport, string> = { udp: 'TURN-UDP', tcp: 'TURN-TCP', tls: 'TURN-TLS' };

for (const transport of ['udp', 'tcp', 'tls'] as const) {
  describe(`werift-ice TURN client over ${NAMES[transport]}`, () => {
    let server: LoopbackTurnServer;
    let peer: EchoPeer;
    let peerAddr: [string, number];
    let turn: TurnProtocol;
    /**
     * What the client's transport received from the server, to tell ChannelData from STUN: datagrams,
     * or stream chunks (each reply is written alone and awaited, so a chunk starts with its frame).
     */
    const raw: Buffer[] = [];
    const created: AllocationInfo[] = [];

    /** The next payload the TURN client hands up, with the peer address it names. */
    const nextData = (what: string) =>
      waitFor<{ data: Buffer; from: readonly [string, number] }>(what, (deliver) => {
        const sub = turn.onData.subscribe((data, from) => deliver({ data, from }));
        return () => sub.unSubscribe();
      });

    /** The arguments of the next emission of an engine event. */
    const nextEvent = async <K extends keyof TurnEngineEvents>(event: K): Promise<TurnEngineEvents[K]> =>
      (await once(server.engine, event, { signal: AbortSignal.timeout(WAIT_MS) })) as TurnEngineEvents[K];

    before(async () => {
      server = await startLoopbackTurn(transport);
      server.engine.on('allocation-created', (a) => created.push(a));
      peer = new EchoPeer();
      peerAddr = ['127.0.0.1', await peer.start()];
    });

    after(async () => {
      await turn?.close();
      peer?.close();
      await server?.close();
    });

    it('allocates a relayed address on 127.0.0.1 after the 401 challenge', async () => {
      turn = await turnClient(server);
      const onData = turn.transport.onData;
      turn.transport.onData = (data, addr) => {
        raw.push(data);
        onData(data, addr);
      };
      assert.equal(turn.realm, REALM);
      assert.equal(turn.relayedAddress[0], '127.0.0.1');
      assert.equal(created.length, 1);
      assert.deepEqual(created[0]!.relayed, [{ family: 'IPv4', address: '127.0.0.1', port: turn.relayedAddress[1] }]);
      assert.equal(created[0]!.username, USERNAME);
      assert.equal(created[0]!.client.transport, transport);
    });

    it('installs a permission for the routed peer and is refused one outside the route', async () => {
      const permitted = nextEvent('permission-created');
      await turn.getPermission(peerAddr);
      assert.equal((await permitted)[1], '127.0.0.1');
      // 127.0.0.2 is loopback outside the route's 127.0.0.1/32: the hard deny answers 403.
      await assert.rejects(turn.getPermission(['127.0.0.2', peerAddr[1]]), (err: { response?: Message }) => {
        assert.equal(err.response?.getAttributeValue('ERROR-CODE')?.[0], 403);
        return true;
      });
    });

    it('echoes through the peer with Send and Data indications', async () => {
      const reply = nextData('the echo as a Data indication');
      const send = new Message(methods.SEND, classes.INDICATION)
        .setAttribute('XOR-PEER-ADDRESS', peerAddr)
        .setAttribute('DATA', Buffer.from('indication'));
      await turn.sendStun(send, turn.server);
      const { data, from } = await reply;
      assert.equal(data.toString(), 'echo:indication');
      assert.deepEqual([...from], peerAddr);
      assert.deepEqual(peer.sources, [`127.0.0.1:${turn.relayedAddress[1]}`], 'the peer sees the relayed address');
      assert.equal(raw.at(-1)!.readUInt16BE(0), 0x0017, 'a Data indication (method 0x007, class indication)');
    });

    it('binds a channel and echoes through it as ChannelData both ways', async () => {
      const bound = nextEvent('channel-bound');
      const channel = await turn.getChannel(peerAddr);
      assert.ok(channel.number >= 0x4000 && channel.number <= 0x4fff, `channel 0x${channel.number.toString(16)}`);
      const [, number, address, port] = await bound;
      assert.deepEqual([number, address, port], [channel.number, ...peerAddr]);

      const toPeer = server.engine.stats.toPeerPackets;
      const reply = nextData('the echo over the channel');
      await turn.sendData(Buffer.from('channel'), peerAddr);
      const { data, from } = await reply;
      assert.equal(data.toString(), 'echo:channel');
      assert.deepEqual([...from], peerAddr);
      assert.equal(server.engine.stats.toPeerPackets, toPeer + 1, 'the payload went out once');
      const last = raw.at(-1)!;
      assert.equal(last.readUInt16BE(0), channel.number, 'the echo came back as ChannelData on the bound channel');
      assert.equal(last.readUInt16BE(2), 'echo:channel'.length);
    });

    it('refreshes the allocation with Refresh LIFETIME 1200', async () => {
      const allocation = created[0]!;
      const expires = allocation.expires;
      const [res] = await turn.requestWithRetry(
        new Message(methods.REFRESH, classes.REQUEST).setAttribute('LIFETIME', 1200),
        turn.server,
      );
      assert.equal(res.messageClass, classes.RESPONSE);
      assert.equal(res.getAttributeValue('LIFETIME'), 1200);
      assert.ok(allocation.expires >= expires + 590_000, 'the expiry moved on by about 600 s');
    });

    it('deletes the allocation with Refresh LIFETIME 0', async () => {
      const deleted = nextEvent('allocation-deleted');
      const [res] = await turn.requestWithRetry(
        new Message(methods.REFRESH, classes.REQUEST).setAttribute('LIFETIME', 0),
        turn.server,
      );
      assert.equal(res.messageClass, classes.RESPONSE);
      const [allocation, reason] = await deleted;
      assert.equal(allocation, created[0]);
      assert.equal(reason, 'refresh');
    });
  });
}
