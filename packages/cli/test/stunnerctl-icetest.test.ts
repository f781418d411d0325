// stunnerctl icetest as a process: two werift peers relay-only through each listener of a stunnerd process
// (TURN-UDP, TURN-TCP, TURN-TLS), with the listeners and credentials from the CDS or from --turn-uri.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeSelfSignedCert, waitUntil } from '@stunner/testing';
import {
  type CdsGateway,
  type GatewayPorts,
  oneLineError,
  startCdsGateway,
  stunnerctl,
  stunnerctlProcess,
} from './stunnerctl-harness.ts';

interface Report {
  packetRate: number;
  durationSeconds: number;
  results: {
    protocol: string;
    listener: string;
    result: string;
    connectMs?: number;
    sent?: number;
    received?: number;
    lossPercent?: number;
    rttMs?: { p50: number; p99: number };
    error?: string;
  }[];
}

describe('stunnerctl icetest through a stunnerd process', () => {
  const cert = makeSelfSignedCert();
  let gateway: CdsGateway;
  let cdsAddr: string;
  let ports: GatewayPorts;
  let metricsPort: number;

  /** stunner_listener_packets_total of each listener, both directions (stunner-v1.md §1.12). */
  const listenerPackets = async (): Promise<Map<string, number>> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const out = new Map<string, number>();
    for (const m of text.matchAll(/^stunner_listener_packets_total\{([^}]*)\} (\d+)/gm)) {
      const name = /name="([^"]+)"/.exec(m[1]!)![1]!;
      out.set(name, (out.get(name) ?? 0) + Number(m[2]));
    }
    return out;
  };

  before(async () => {
    gateway = await startCdsGateway('stunner/udp-gateway', cert);
    ({ cdsAddr, ports, metricsPort } = gateway);
  });
  after(() => gateway?.stop());

  it('relays over UDP, TCP and TLS: connect time, RTT p50/p99 and loss per listener, exit 0', async () => {
    const before = await listenerPackets();
    const args = ['icetest', '-n', 'stunner', 'udp-gateway', '--cds-server-address', cdsAddr, '-i'];
    const r = await stunnerctl([...args, '-r', '50', '-d', '2', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.packetRate, 50);
    assert.deepEqual(
      report.results.map((x) => [x.protocol, x.listener, x.result]),
      [
        ['udp', 'stunner/udp-gateway/udp-listener', 'ok'],
        ['tcp', 'stunner/udp-gateway/tcp-listener', 'ok'],
        ['tls', 'stunner/udp-gateway/tls-listener', 'ok'],
      ],
    );
    for (const x of report.results) {
      assert.equal(x.sent, 100);
      assert.ok(x.received! > 0 && x.received! <= 100);
      assert.ok(x.connectMs! > 0 && x.rttMs!.p50 > 0 && x.rttMs!.p99 >= x.rttMs!.p50, JSON.stringify(x));
    }
    // Every listener carried the test's packets (a channel of 100 packets and the echoes, at least).
    const afterRun = await listenerPackets();
    for (const l of ['udp-listener', 'tcp-listener', 'tls-listener']) {
      const name = `stunner/udp-gateway/${l}`;
      assert.ok((afterRun.get(name) ?? 0) - (before.get(name) ?? 0) >= 200, `${name}: ${afterRun.get(name)}`);
    }
    // icetest deletes its allocations (Refresh lifetime 0) instead of leaving them for 10 minutes.
    await waitUntil(
      'stunnerd has no allocation left',
      async () => {
        const s = (await (await fetch(`http://127.0.0.1:${ports.health}/status`)).json()) as {
          allocationCount: number;
        };
        return s.allocationCount === 0 ? true : undefined;
      },
      5000,
    );
  });

  it('-o summary: a table with a row per listener; protocol arguments pick listeners', async () => {
    const r = await stunnerctl([
      'icetest',
      '-n',
      'stunner',
      'udp-gateway',
      'tcp',
      '--cds-server-address',
      cdsAddr,
      '-d',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ICE test: 50 packets\/s for 1 s per listener, relay only$/);
    assert.match(lines[1]!, /^PROTOCOL\s+LISTENER\s+CONNECT\s+SENT\s+RECEIVED\s+LOSS\s+RTT p50\s+RTT p99\s+RESULT$/);
    assert.equal(lines.length, 3);
    assert.match(
      lines[2]!,
      /^TCP\s+stunner\/udp-gateway\/tcp-listener\s+\d+ ms\s+50\s+\d+\s+[\d.]+%\s+[\d.]+ ms\s+[\d.]+ ms\s+ok$/,
    );
  });

  it('-r 0 floods: as many packets as the window of echoes allows, for the duration', async () => {
    const r = await stunnerctl([
      'icetest',
      '-n',
      'stunner',
      'udp-gateway',
      'udp',
      '--cds-server-address',
      cdsAddr,
      '-r',
      '0',
      '-d',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ICE test: flood for 1 s per listener, relay only$/m);
    const row = /^UDP\s+\S+\s+\d+ ms\s+(\d+)\s+(\d+)\s/m.exec(r.stdout);
    assert.ok(row && Number(row[1]) > 64 && Number(row[2]) > 0, r.stdout);
  });

  it('--turn-uri: a TURN server given by URI, no CDS', async () => {
    const r = await stunnerctl([
      'icetest',
      '--turn-uri',
      `turn://user-1:pass-1@127.0.0.1:${ports.udp}?transport=udp`,
      '-d',
      '1',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.results.length, 1);
    assert.equal(report.results[0]!.result, 'ok');
    assert.equal(report.results[0]!.listener, `turn:127.0.0.1:${ports.udp}?transport=udp`);
  });

  it('a protocol that does not connect fails the run: wrong password, untrusted TLS certificate', async () => {
    const r = await stunnerctl([
      'icetest',
      '--turn-uri',
      `turn://user-1:wrong@127.0.0.1:${ports.udp}?transport=udp`,
      '--turn-uri',
      `turns://user-1:pass-1@127.0.0.1:${ports.tls}?transport=tcp`,
      '-t',
      '4',
      '-d',
      '1',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(
      report.results.map((x) => [x.protocol, x.result]),
      [
        ['udp', 'failed'],
        ['tls', 'failed'],
      ],
    );
    assert.ok(oneLineError(r, 'STUNNERCTL_ERR_ICETEST'), r.stderr);
    assert.match(r.stderr, /UDP \(turn:127\.0\.0\.1:\d+\?transport=udp\).*TLS \(turns:/);
  });

  it('DTLS is reported as skipped (no DTLS in werift), and fails only when asked for', async () => {
    const uri = `turns://user-1:pass-1@127.0.0.1:${ports.udp}?transport=udp`;
    const listed = await stunnerctl(['icetest', '--turn-uri', uri, '-o', 'json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as Report).results[0]!.result, 'skipped');
    const asked = await stunnerctl(['icetest', 'dtls', '--turn-uri', uri]);
    assert.equal(asked.code, 1);
    assert.ok(oneLineError(asked, 'STUNNERCTL_ERR_ICETEST'), asked.stderr);
  });

  it('no listener of the asked protocol, a bad rate: coded errors', async () => {
    const none = await stunnerctl(['icetest', '-n', 'stunner', 'udp-gateway', 'dtls', '--cds-server-address', cdsAddr]);
    assert.equal(none.code, 1);
    assert.ok(oneLineError(none, 'STUNNERCTL_ERR_ICETEST'), none.stderr);
    assert.match(none.stderr, /no dtls listener to test on gateway udp-gateway \(found: udp .*, tcp .*, tls .*\)/);
    const rate = await stunnerctl(['icetest', '-r', '1.5', '--cds-server-address', cdsAddr]);
    assert.equal(rate.code, 1);
    assert.ok(oneLineError(rate, 'STUNNERCTL_ERR_USAGE'), rate.stderr);
    const gw = await stunnerctl(['icetest', '-n', 'stunner', 'nope', '--cds-server-address', cdsAddr]);
    assert.ok(oneLineError(gw, 'STUNNERCTL_ERR_NOT_FOUND'), gw.stderr);
  });

  it('Ctrl-C stops the running test: its figures are printed, the untested listeners named, exit 1', async () => {
    const allocations = async () =>
      ((await (await fetch(`http://127.0.0.1:${ports.health}/status`)).json()) as { allocationCount: number })
        .allocationCount;
    const p = stunnerctlProcess([
      'icetest',
      '-n',
      'stunner',
      'udp-gateway',
      'udp',
      'tcp',
      '--cds-server-address',
      cdsAddr,
      '-d',
      '60',
    ]);
    try {
      // Both peers hold their UDP allocation once the test runs.
      await waitUntil('the UDP test running', async () => ((await allocations()) >= 2 ? true : undefined), 15_000);
      p.child.kill('SIGINT');
      assert.equal(await p.exited(15_000), 1);
      assert.match(p.stdout(), /^UDP\s+stunner\/udp-gateway\/udp-listener\s+\d+ ms\s+\d+\s+\d+\s+[\d.]+%.*ok$/m);
      assert.doesNotMatch(p.stdout(), /^TCP/m);
      assert.match(
        p.stderr(),
        /STUNNERCTL_ERR_ICETEST: interrupted before testing TCP \(stunner\/udp-gateway\/tcp-listener\)/,
      );
      await waitUntil('no allocation left', async () => ((await allocations()) === 0 ? true : undefined), 5000);
    } finally {
      await p.stop();
    }
  });
});
