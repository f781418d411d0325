import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Coturn, freePort, startCoturn, type WatchedProcess } from '@stunner/testing';
import { GREETING, startUdpGreeter } from '../src/udp-greeter.ts';
import { greet, turncat } from './turncat-process.ts';

describe('turncat through coturn to the UDP greeter', () => {
  let coturn: Coturn;
  let greeter: Socket;
  let peer: string;
  const greeted: RemoteInfo[] = [];
  const running: WatchedProcess[] = [];

  function run(args: string[], env?: Record<string, string>): WatchedProcess {
    const p = turncat(args, env);
    running.push(p);
    return p;
  }
  const server = (transport: string, password = coturn.password): string =>
    `turn://${coturn.username}:${password}@127.0.0.1:${transport === 'tls' || transport === 'dtls' ? coturn.tlsPort : coturn.port}?transport=${transport}`;

  before(async () => {
    coturn = await startCoturn({ tls: true, deniedPeerIps: ['127.0.0.2'] });
    greeter = await startUdpGreeter('127.0.0.1', 0);
    greeter.on('message', (_m, from) => greeted.push(from));
    peer = `udp://127.0.0.1:${greeter.address().port}`;
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    greeter.close();
    await coturn.stop();
  });

  for (const transport of ['udp', 'tcp', 'tls', 'dtls']) {
    it(`relays stdin to the greeter and the greeting to stdout over TURN-${transport.toUpperCase()}`, async () => {
      const p = run(['-i', '-l', 'all:INFO', '-', server(transport), peer]);
      await p.waitFor(
        new RegExp(
          `turncat INFO: Turncat client listening on -, TURN server: ${transport}://127\\.0\\.0\\.1:\\d+, peer: ${peer}`,
        ),
        { stream: 'stderr', what: `turncat to connect over TURN-${transport.toUpperCase()}` },
      );
      assert.equal(await greet(p), GREETING);
      await greet(p, 2);
      assert.equal(p.stdout(), 'Greetings from STUNner!\n'.repeat(2));
      const since = coturn.log().length;
      await p.stop();
      assert.equal(await p.exited(), 0);
      // Stopping turncat deletes its allocation (Refresh with LIFETIME 0).
      await coturn.waitForLog(/refreshed, .*lifetime=0/, { since });
    });
  }

  it('accepts the turns: form for TLS', async () => {
    const p = run(['-i', '-', `turns://${coturn.username}:${coturn.password}@127.0.0.1:${coturn.tlsPort}`, peer]);
    assert.equal(await greet(p), GREETING, 'the greeting through the turns: server');
  });

  it('gives each UDP client 5-tuple its own allocation', async () => {
    const port = await freePort();
    const p = run(['-l', 'all:INFO', `udp://127.0.0.1:${port}`, server('udp'), peer]);
    await p.waitFor(/Turncat client listening on udp:\/\/127\.0\.0\.1:\d+/, {
      stream: 'stderr',
      what: 'turncat to listen for UDP clients',
    });
    const clients = await Promise.all([0, 1].map(() => udpClient()));
    try {
      const before = greeted.length;
      for (let round = 0; round < 2; round++) {
        for (const c of clients) {
          c.socket.send('Hello STUNner', port, '127.0.0.1');
          const [msg] = await once(c.socket, 'message', { signal: AbortSignal.timeout(5000) });
          assert.equal(msg.toString(), GREETING);
        }
      }
      // Four datagrams reached the greeter from exactly two relayed addresses, one per client.
      const sources = new Set(greeted.slice(before).map((r) => `${r.address}:${r.port}`));
      assert.equal(greeted.length - before, 4);
      assert.equal(sources.size, 2);
      assert.equal(p.stderr().match(/allocated relay/g)?.length, 2);
    } finally {
      for (const c of clients) c.socket.close();
    }
  });

  it('gives each TCP connection its own allocation', async () => {
    const port = await freePort();
    const p = run(['-l', 'all:INFO', `tcp://127.0.0.1:${port}`, server('tcp'), peer]);
    await p.waitFor(/Turncat client listening on tcp:\/\/127\.0\.0\.1:\d+/, {
      stream: 'stderr',
      what: 'turncat to listen for TCP clients',
    });
    const before = greeted.length;
    for (let i = 0; i < 2; i++) {
      const conn = connect(port, '127.0.0.1');
      await once(conn, 'connect');
      conn.write('Hello STUNner');
      const [data] = await once(conn, 'data', { signal: AbortSignal.timeout(5000) });
      assert.equal(data.toString(), 'Greetings from STUNner!\n');
      conn.destroy();
    }
    const sources = new Set(greeted.slice(before).map((r) => `${r.address}:${r.port}`));
    assert.equal(sources.size, 2);
  });

  it('serves clients on a unix socket', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'turncat-')), 'turncat.sock');
    const p = run(['-l', 'all:INFO', `unix://${path}`, server('tcp'), peer]);
    await p.waitFor(/Turncat client listening on unix:\/\//, {
      stream: 'stderr',
      what: 'turncat to listen on the socket',
    });
    const conn = connect(path);
    await once(conn, 'connect');
    conn.write('Hello STUNner');
    const [data] = await once(conn, 'data', { signal: AbortSignal.timeout(5000) });
    assert.equal(data.toString(), 'Greetings from STUNner!\n');
    conn.destroy();
  });

  it('fails with a 401 wrong-credentials message for a wrong password', async () => {
    const p = run(['-', server('udp', 'wrong-password'), peer]);
    assert.equal(await p.exited(), 1);
    assert.match(p.stderr(), /turncat ERROR: .*401.*wrong credentials/);
    assert.doesNotMatch(p.stderr(), /wrong-password/);
  });

  it('fails with a 403 peer-forbidden message for a refused peer', async () => {
    const p = run(['-', server('udp'), 'udp://127.0.0.2:9001']);
    assert.equal(await p.exited(), 1);
    assert.match(p.stderr(), /turncat ERROR: .*403.*peer 127\.0\.0\.2:9001.*not the credentials/);
  });

  it('exits with an error in stdin mode when the server goes away', async () => {
    const own = await startCoturn();
    try {
      const p = run(['-', `turn://${own.username}:${own.password}@127.0.0.1:${own.port}?transport=tcp`, peer]);
      assert.equal(await greet(p), GREETING);
      await own.stop();
      assert.equal(await p.exited(), 1);
      assert.match(
        p.stderr(),
        /turncat ERROR: .*(closed the connection|connection to tcp:\/\/127\.0\.0\.1:\d+ failed)/,
      );
    } finally {
      await own.stop();
    }
  });

  it('fails for an unreachable server after its retransmissions', async () => {
    const port = await freePort();
    const p = run(['-', `turn://u:p@127.0.0.1:${port}?transport=udp`, peer], { TURNCAT_RTO_MS: '10' });
    assert.equal(await p.exited(), 1);
    assert.match(p.stderr(), /unreachable: no response after 7 transmission/);
  });

  it('fails for a server that refuses the TCP connection', async () => {
    const port = await freePort();
    const p = run(['-', `turn://u:p@127.0.0.1:${port}?transport=tcp`, peer]);
    assert.equal(await p.exited(), 1);
    assert.match(p.stderr(), /cannot connect to tcp:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it('refuses a self-signed certificate without -i', async () => {
    const p = run(['-', server('tls'), peer]);
    assert.equal(await p.exited(), 1);
    assert.match(p.stderr(), /-i\/--insecure/);
  });

  it('refuses an empty or invalid peer address', async () => {
    const empty = run(['-', server('udp'), '']);
    assert.equal(await empty.exited(), 1);
    assert.match(empty.stderr(), /empty peer address/);
    const invalid = run(['-', server('udp'), 'tcp://127.0.0.1:9001']);
    assert.equal(await invalid.exited(), 1);
    assert.match(invalid.stderr(), /invalid peer address "tcp:\/\/127\.0\.0\.1:9001"/);
  });

  it('prints usage for wrong arguments', async () => {
    const p = run(['-']);
    assert.equal(await p.exited(), 1);
    assert.match(p.stderr(), /expected 3 arguments[\s\S]*Usage: turncat/);
  });
});

async function udpClient(): Promise<{ socket: Socket }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket };
}
