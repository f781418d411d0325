// stunnerctl config, license and status as processes against the operator's CDS server (in this process,
// fed configs as a render would) and a stunnerd process that takes its config from that CDS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type StunnerConfig, zeroConfig } from '@stunner/api';
import { CdsServer } from '@stunner/operator/runtime';
import { freePort, makeSelfSignedCert, type WatchedProcess } from '@stunner/testing';
import { parseAllDocuments } from 'yaml';
import {
  type GatewayPorts,
  gatewayConfig,
  oneLineError,
  startStunnerd,
  stunnerctl,
  stunnerctlProcess,
} from './stunnerctl-harness.ts';

describe('stunnerctl config, license and status against a CDS server and stunnerd', () => {
  const nodeAddress = (node: string) => (node === 'node-1' ? '192.0.2.10' : undefined);
  let cds = new CdsServer({ nodeAddress });
  const cert = makeSelfSignedCert();
  let cdsAddr: string;
  let ports: GatewayPorts;
  let udpGateway: StunnerConfig;
  let ephemeral: StunnerConfig;
  let other: StunnerConfig;
  let stunnerd: WatchedProcess;
  const running: WatchedProcess[] = [];

  before(async () => {
    const a = await cds.listen(0, '127.0.0.1');
    cdsAddr = `127.0.0.1:${a.port}`;
    ports = { udp: await freePort(), tcp: await freePort(), tls: await freePort(), health: await freePort() };
    udpGateway = gatewayConfig('stunner/udp-gateway', ports, cert);
    ephemeral = {
      version: 'v1',
      admin: { name: 'stunner/ephemeral-gateway', loglevel: 'all:INFO' },
      auth: { type: 'ephemeral', realm: 'stunner.l7mp.io', credentials: { secret: 'my-secret' } },
      listeners: [
        {
          name: 'stunner/ephemeral-gateway/udp',
          protocol: 'TURN-UDP',
          address: '__node_address_placeholder',
          port: 3478,
          routes: [],
        },
      ],
      clusters: [],
    };
    other = { ...gatewayConfig('media/other-gateway', ports, cert), listeners: [] };
    other.listeners = gatewayConfig('media/other-gateway', ports, cert).listeners.slice(0, 1);
    cds.update([udpGateway, ephemeral, other]);
    stunnerd = await startStunnerd(a.port, 'stunner/udp-gateway');
    running.push(stunnerd);
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await cds.close();
  });

  it('config <gw> -o summary: listeners, public addresses, auth type, routes and clusters; no secrets', async () => {
    const r = await stunnerctl(['config', '-n', 'stunner', 'udp-gateway', '--cds-server-address', cdsAddr]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /^Gateway: stunner\/udp-gateway \(loglevel: all:INFO\)$/m);
    assert.match(out, /^Authentication: static, realm stunner\.l7mp\.io, username user-1, password <hidden>$/m);
    for (const [l, proto, port] of [
      ['udp-listener', 'TURN-UDP', ports.udp],
      ['tcp-listener', 'TURN-TCP', ports.tcp],
      ['tls-listener', 'TURN-TLS', ports.tls],
    ] as const) {
      assert.match(
        out,
        new RegExp(
          `- Name: stunner/udp-gateway/${l}\\n\\s+Protocol: ${proto}\\n\\s+Public address: 127\\.0\\.0\\.1:${port}\\n`,
        ),
      );
    }
    assert.match(out, /Routes: \[stunner\/media-plane\]\n\s+Endpoints: \[127\.0\.0\.1\/32\]/);
    assert.match(out, /^Clusters:\n {2}- stunner\/media-plane: STATIC UDP \[127\.0\.0\.1\/32\]$/m);
    assert.doesNotMatch(out, /pass-1|BEGIN/);
  });

  it('config -n <ns> -o json: one JSON line per gateway of the namespace, as served', async () => {
    const r = await stunnerctl(['config', '-n', 'stunner', '-o', 'json', '--cds-server-address', cdsAddr]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StunnerConfig);
    assert.deepEqual(lines.map((c) => c.admin.name).sort(), ['stunner/ephemeral-gateway', 'stunner/udp-gateway']);
    assert.deepEqual(
      lines.find((c) => c.admin.name === 'stunner/udp-gateway'),
      udpGateway,
    );
  });

  it('config -a -o yaml: every namespace, one YAML document per gateway', async () => {
    const r = await stunnerctl(['config', '-a', '-o', 'yaml', '--cds-server-address', cdsAddr]);
    assert.equal(r.code, 0, r.stderr);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as StunnerConfig);
    assert.deepEqual(docs.map((c) => c.admin.name).sort(), [
      'media/other-gateway',
      'stunner/ephemeral-gateway',
      'stunner/udp-gateway',
    ]);
  });

  it("config -o jsonpath=…: kubectl's template form with range and quoted text", async () => {
    const r = await stunnerctl([
      'config',
      '-n',
      'stunner',
      'udp-gateway',
      '--cds-server-address',
      cdsAddr,
      '-o',
      'jsonpath={.admin.name}:{range .listeners[*]} {.protocol}={.public_port}{end}{"\\t"}{.auth.type}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `stunner/udp-gateway: TURN-UDP=${ports.udp} TURN-TCP=${ports.tcp} TURN-TLS=${ports.tls}\tstatic\n`,
    );
  });

  it('config <gw> --node: the listener address as the stunnerd on that node gets it', async () => {
    const q = ['config', '-n', 'stunner', 'ephemeral-gateway', '--cds-server-address', cdsAddr];
    const plain = await stunnerctl([...q, '-o', 'jsonpath={.listeners[0].address}']);
    const patched = await stunnerctl([...q, '--node', 'node-1', '-o', 'jsonpath={.listeners[0].address}']);
    assert.equal(plain.stdout, '__node_address_placeholder\n');
    assert.equal(patched.stdout, '192.0.2.10\n');
    const summary = await stunnerctl(q);
    assert.match(summary.stdout, /^Authentication: ephemeral, realm stunner\.l7mp\.io, shared secret <hidden>$/m);
    assert.match(summary.stdout, /Public address: <none>/);
  });

  it('$CDS_SERVER_ADDR and $CDS_SERVER_PORT name the CDS as the flags do (stunner-v1.md §0)', async () => {
    const [host, port] = cdsAddr.split(':') as [string, string];
    const r = await stunnerctl(['config', '-n', 'stunner', 'udp-gateway', '-o', 'jsonpath={.admin.name}'], {
      CDS_SERVER_ADDR: host,
      CDS_SERVER_PORT: port,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'stunner/udp-gateway\n');
  });

  it('config for an unknown gateway: one line with STUNNERCTL_ERR_NOT_FOUND, exit 1', async () => {
    const r = await stunnerctl(['config', '-n', 'stunner', 'no-such-gateway', '--cds-server-address', cdsAddr]);
    assert.equal(r.code, 1);
    assert.ok(oneLineError(r, 'STUNNERCTL_ERR_NOT_FOUND'), r.stderr);
    assert.match(r.stderr, /stunner\/no-such-gateway/);
    assert.equal(r.stdout, '');
  });

  it('an unreachable CDS: one line with STUNNERCTL_ERR_CDS naming the address, exit 1', async () => {
    const dead = await freePort();
    for (const cmd of [['config'], ['config', '-w'], ['license']]) {
      const r = await stunnerctl([...cmd, '--cds-server-address', `127.0.0.1:${dead}`]);
      assert.equal(r.code, 1, cmd.join(' '));
      assert.ok(oneLineError(r, 'STUNNERCTL_ERR_CDS'), r.stderr);
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${dead}.*ECONNREFUSED`));
    }
  });

  it('bad flags: a usage error with exit 2; a bad -o or -l: a coded error', async () => {
    const usage = await stunnerctl(['config', '--no-such-flag']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^stunnerctl: STUNNERCTL_ERR_USAGE: unknown option '--no-such-flag'/);
    const output = await stunnerctl(['config', '-o', 'xml', '--cds-server-address', cdsAddr]);
    assert.equal(output.code, 1);
    assert.ok(oneLineError(output, 'STUNNERCTL_ERR_OUTPUT'), output.stderr);
    const template = await stunnerctl(['config', '-o', 'jsonpath={.admin.name', '--cds-server-address', cdsAddr]);
    assert.ok(oneLineError(template, 'STUNNERCTL_ERR_OUTPUT'), template.stderr);
    const log = await stunnerctl(['config', '-l', 'all:LOUD', '--cds-server-address', cdsAddr]);
    assert.equal(log.code, 1);
    assert.ok(oneLineError(log, 'LOG_ERR_BAD_SPEC'), log.stderr);
  });

  it('-v logs what stunnerctl does to stderr; stdout keeps only the output', async () => {
    const r = await stunnerctl(['config', '-n', 'stunner', '-o', 'json', '-v', '--cds-server-address', cdsAddr]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 2);
  });

  it('config -w follows changes (a new realm, a deleted gateway) until SIGTERM', async () => {
    const p = stunnerctlProcess(['config', '-w', '-n', 'stunner', '-o', 'json', '--cds-server-address', cdsAddr]);
    running.push(p);
    const lines = () =>
      p
        .stdout()
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as StunnerConfig);
    await p.waitFor(/(.*\n){2}/);
    const renamed = { ...ephemeral, auth: { ...ephemeral.auth, realm: 'realm-2.example.com' } };
    cds.update([udpGateway, renamed, other]);
    await p.waitFor(/realm-2\.example\.com/);
    cds.update([udpGateway, other]);
    await p.waitFor(/(.*\n){4}/);
    assert.deepEqual(lines().at(-1), zeroConfig('stunner/ephemeral-gateway'));
    p.child.kill('SIGTERM');
    assert.equal(await p.exited(), 0);
    const summary = stunnerctlProcess(['config', '-w', '-n', 'stunner', '--cds-server-address', cdsAddr]);
    running.push(summary);
    await summary.waitFor(/Gateway: stunner\/udp-gateway/);
    cds.update([udpGateway, ephemeral, other]);
    await summary.waitFor(/Gateway: stunner\/ephemeral-gateway \(loglevel/);
    cds.update([udpGateway, other]);
    await summary.waitFor(/^Gateway: stunner\/ephemeral-gateway <deleted>$/m);
    summary.child.kill('SIGINT');
    assert.equal(await summary.exited(), 0);
    cds.update([udpGateway, ephemeral, other]);
  });

  it('license: the open-source tier the CDS reports', async () => {
    const r = await stunnerctl(['license', '--cds-server-address', cdsAddr]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^License tier: free \(open source/m);
    assert.match(r.stdout, /^Enabled premium features: <none>$/m);
    const json = await stunnerctl(['license-status', '-o', 'json', '--cds-server-address', cdsAddr]);
    assert.deepEqual(JSON.parse(json.stdout), {
      enabledFeatures: [],
      subscriptionType: 'free',
      lastUpdated: 'N/A',
      lastError: '',
    });
  });

  it("status --pod-address: the stunnerd's readiness, allocations and running config", async () => {
    const addr = `127.0.0.1:${ports.health}`;
    const r = await stunnerctl(['status', '--pod-address', addr]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^127\\.0\\.0\\.1:${ports.health}: READY, allocations: 0$`, 'm'));
    assert.match(r.stdout, /^ {2}Gateway: stunner\/udp-gateway/m);
    assert.match(r.stdout, new RegExp(`Public address: 127\\.0\\.0\\.1:${ports.tls}`));
    const json = await stunnerctl(['dataplane-status', '--pod-address', addr, '-o', 'json']);
    const s = JSON.parse(json.stdout) as { status: string; allocationCount: number; listeners: { name: string }[] };
    assert.equal(s.status, 'READY');
    assert.equal(s.listeners.length, 3);
    assert.doesNotMatch(json.stdout, /pass-1/);
    const path = await stunnerctl(['status', '--pod-address', addr, '-o', 'jsonpath={.status}/{.allocationCount}']);
    assert.equal(path.stdout, 'READY/0\n');
    const yaml = await stunnerctl(['status', '--pod-address', addr, '-o', 'yaml']);
    assert.equal((parseAllDocuments(yaml.stdout)[0]!.toJS() as { status: string }).status, 'READY');
  });

  it('status of an unreachable stunnerd: one line with STUNNERCTL_ERR_STATUS, exit 1', async () => {
    const dead = await freePort();
    const r = await stunnerctl(['status', '--pod-address', `127.0.0.1:${dead}`]);
    assert.equal(r.code, 1);
    assert.ok(oneLineError(r, 'STUNNERCTL_ERR_STATUS'), r.stderr);
  });

  it('config -w reconnects when the CDS restarts (every second, as stunnerd does) and prints what changed', async () => {
    const p = stunnerctlProcess(['config', '-w', '-n', 'media', '-o', 'json', '--cds-server-address', cdsAddr]);
    running.push(p);
    await p.waitFor(/media\/other-gateway/);
    const port = Number(cdsAddr.split(':')[1]);
    await cds.close();
    cds = new CdsServer({ nodeAddress });
    await cds.listen(port, '127.0.0.1');
    cds.update([udpGateway, ephemeral, { ...other, auth: { ...other.auth, realm: 'after-restart.example.com' } }]);
    await p.waitFor(/after-restart\.example\.com/, { timeoutMs: 10_000 });
    p.child.kill('SIGTERM');
    assert.equal(await p.exited(), 0);
  });
});
