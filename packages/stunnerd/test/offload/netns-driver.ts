// A TURN client and plain UDP sockets run inside one of a test's network namespaces (`ip netns exec
// <ns> node netns-driver.ts`), driven by JSON lines on stdin and answering with one JSON line each: the
// test process cannot open sockets in another namespace itself. Used by the offload deny-list test.
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import {
  AddressFamily,
  RequestedAddressFamily,
  RequestedTransport,
  TransportProtocol,
  XorRelayedAddress,
} from '@stunner/stun';
import { code, ok, RawTurnClient } from '../support/raw-turn-client.ts';

export type DriverCommand =
  | { op: 'allocate'; name: string; server: string; port: number; local: string; username: string; password: string }
  | { op: 'permission'; name: string; address: string; port: number }
  | { op: 'bind'; name: string; channel: number; address: string; port: number }
  | { op: 'channelData'; name: string; channel: number; count: number; size: number }
  | { op: 'ping'; name: string }
  | { op: 'received'; name: string }
  | { op: 'socket'; name: string; address: string; port: number }
  | { op: 'sendTo'; name: string; address: string; port: number; count: number; size: number }
  | { op: 'heard'; name: string };

/** What a TURN client got from peers: ChannelData (kernel or userspace) and Data indications (userspace). */
export interface Received {
  channelData: number;
  indications: number;
}

/** What a plain socket got, and from where the last datagram came. */
export interface Heard {
  count: number;
  from: { address: string; port: number } | undefined;
}

const clients = new Map<string, { c: RawTurnClient; got: Received }>();
const sockets = new Map<string, { s: Socket; heard: Heard }>();

function peer(address: string, port: number) {
  return { family: address.includes(':') ? ('IPv6' as const) : ('IPv4' as const), address, port };
}

async function run(cmd: DriverCommand): Promise<unknown> {
  switch (cmd.op) {
    case 'allocate': {
      const c = new RawTurnClient({
        port: cmd.port,
        server: cmd.server,
        local: cmd.local,
        username: cmd.username,
        password: cmd.password,
      });
      await c.open();
      const got: Received = { channelData: 0, indications: 0 };
      c.socket.on('message', (m: Buffer) => {
        // RFC 8656 §12.4: ChannelData starts 0b01; a Data indication is method 0x007, class indication.
        if (m.length >= 4 && (m[0]! & 0xc0) === 0x40) got.channelData++;
        else if (m.length >= 20 && m.readUInt16BE(0) === 0x0017) got.indications++;
      });
      clients.set(cmd.name, { c, got });
      const v6 = cmd.server.includes(':');
      const res = await c.request(0x003, (b) => {
        b.add(RequestedTransport, TransportProtocol.UDP);
        if (v6) b.add(RequestedAddressFamily, AddressFamily.IPv6);
      });
      return ok(res) ? { relayed: res!.get(XorRelayedAddress) } : { code: code(res) ?? 0 };
    }
    case 'permission':
      return { code: code(await clients.get(cmd.name)!.c.createPermission(peer(cmd.address, cmd.port))) ?? 200 };
    case 'bind':
      return {
        code: code(await clients.get(cmd.name)!.c.channelBind(cmd.channel, peer(cmd.address, cmd.port))) ?? 200,
      };
    case 'channelData': {
      const { c } = clients.get(cmd.name)!;
      for (let i = 0; i < cmd.count; i++) c.channelData(cmd.channel, Buffer.alloc(cmd.size, i & 0xff));
      return {};
    }
    case 'ping': {
      // A Binding round trip: what the client sent before has passed the gateway.
      const { c } = clients.get(cmd.name)!;
      return { ok: (await c.exchange(c.build(0x001, () => {}, false))).response !== undefined };
    }
    case 'received':
      return { ...clients.get(cmd.name)!.got };
    case 'socket': {
      const s = createSocket(cmd.address.includes(':') ? 'udp6' : 'udp4');
      const heard: Heard = { count: 0, from: undefined };
      s.on('message', (_m, rinfo) => {
        heard.count++;
        heard.from = { address: rinfo.address, port: rinfo.port };
      });
      await new Promise<void>((resolve) => s.bind(cmd.port, cmd.address, resolve));
      sockets.set(cmd.name, { s, heard });
      return { port: s.address().port };
    }
    case 'sendTo': {
      const { s } = sockets.get(cmd.name)!;
      for (let i = 0; i < cmd.count; i++) s.send(Buffer.alloc(cmd.size, i & 0xff), cmd.port, cmd.address);
      return {};
    }
    case 'heard': {
      const { heard } = sockets.get(cmd.name)!;
      return { count: heard.count, from: heard.from };
    }
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const cmd = JSON.parse(line) as DriverCommand & { seq: number };
  run(cmd).then(
    (r) => process.stdout.write(`${JSON.stringify({ seq: cmd.seq, result: r })}\n`),
    (err: Error) => process.stdout.write(`${JSON.stringify({ seq: cmd.seq, error: err.message })}\n`),
  );
});
lines.on('close', () => {
  for (const { c } of clients.values()) c.close();
  for (const { s } of sockets.values()) s.close();
});
