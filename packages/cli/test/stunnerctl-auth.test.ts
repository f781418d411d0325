// stunnerctl auth (and icetest --via auth) as processes against the authd process, which follows the
// operator's CDS server (in this process), and a stunnerd process serving the gateway's listeners.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StunnerConfig } from '@stunner/api';
import { CdsServer } from '@stunner/operator/runtime';
import { freePort, makeSelfSignedCert, type WatchedProcess, watchProcess } from '@stunner/testing';
import { type GatewayPorts, gatewayConfig, oneLineError, startStunnerd, stunnerctl } from './stunnerctl-harness.ts';

const AUTHD = fileURLToPath(new URL('./main.ts', import.meta.resolve('@stunner/auth')));

interface Ice {
  iceServers: { username: string; credential: string; urls: string[] }[];
  iceTransportPolicy: string;
}

describe('stunnerctl auth against authd following the CDS', () => {
  const cds = new CdsServer();
  const cert = makeSelfSignedCert();
  let ports: GatewayPorts;
  let authd: WatchedProcess;
  let locked: WatchedProcess;
  let stunnerd: WatchedProcess;
  let authAddr: string;
  let lockedAddr: string;

  const startAuthd = async (cdsPort: number, extra: string[] = []): Promise<[WatchedProcess, string]> => {
    const p = watchProcess(process.execPath, [
      AUTHD,
      '-p',
      '0',
      '--address',
      '127.0.0.1',
      '--cds-server-address',
      `127.0.0.1:${cdsPort}`,
      ...extra,
    ]);
    const m = await p.waitFor(/listening on http:\/\/([\d.]+:\d+)/, { timeoutMs: 20_000 });
    return [p, m[1]!];
  };

  before(async () => {
    const a = await cds.listen(0, '127.0.0.1');
    ports = { udp: await freePort(), tcp: await freePort(), tls: await freePort(), health: await freePort() };
    const ephemeral: StunnerConfig = gatewayConfig('media/ephemeral-gateway', ports, cert, {
      type: 'ephemeral',
      realm: 'stunner.l7mp.io',
      credentials: { secret: 'my-secret' },
    });
    ephemeral.admin.healthcheck_endpoint = '';
    cds.update([gatewayConfig('stunner/udp-gateway', ports, cert), ephemeral]);
    stunnerd = await startStunnerd(a.port, 'stunner/udp-gateway');
    [authd, authAddr] = await startAuthd(a.port);
    [locked, lockedAddr] = await startAuthd(a.port, ['--token', 'let-me-in']);
    // authd learns the configs over its CDS watch: ask until both gateways are known.
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`http://${authAddr}/ice?service=turn`).catch(() => undefined);
      if (r?.ok && ((await r.json()) as Ice).iceServers.length === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    await Promise.all([authd?.stop(), locked?.stop(), stunnerd?.stop()]);
    await cds.close();
  });

  it("auth: authd's /ice answer as JSON by default, one ICE server per gateway", async () => {
    const r = await stunnerctl(['auth', '--auth-server-address', authAddr]);
    assert.equal(r.code, 0, r.stderr);
    const ice = JSON.parse(r.stdout) as Ice;
    assert.equal(ice.iceTransportPolicy, 'all');
    const byUser = new Map(ice.iceServers.map((s) => [s.username, s]));
    assert.deepEqual(byUser.get('user-1'), {
      username: 'user-1',
      credential: 'pass-1',
      urls: [
        `turn:127.0.0.1:${ports.udp}?transport=udp`,
        `turn:127.0.0.1:${ports.tcp}?transport=tcp`,
        `turns:127.0.0.1:${ports.tls}?transport=tcp`,
      ],
    });
    assert.equal(ice.iceServers.length, 2);
  });

  it('auth -n <ns> <gw> -u <user>: that gateway only, an ephemeral credential for the user', async () => {
    const r = await stunnerctl([
      'get-credential',
      '-n',
      'media',
      'ephemeral-gateway',
      '-u',
      'alice',
      '--auth-server-address',
      authAddr,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const ice = JSON.parse(r.stdout) as Ice;
    assert.equal(ice.iceServers.length, 1);
    assert.match(ice.iceServers[0]!.username, /^\d+:alice$/);
    const expiry = Number(ice.iceServers[0]!.username.split(':')[0]);
    assert.ok(Math.abs(expiry - (Date.now() / 1000 + 86400)) < 120, `expiry ${expiry}`);
  });

  it('auth --auth-turn-credential: the TURN credential form (/), and -o summary', async () => {
    const q = ['auth', '-n', 'stunner', 'udp-gateway', '--auth-turn-credential', '--auth-server-address', authAddr];
    const r = await stunnerctl(q);
    assert.equal(r.code, 0, r.stderr);
    const cred = JSON.parse(r.stdout) as { username: string; password: string; ttl: number; uris: string[] };
    assert.equal(cred.username, 'user-1');
    assert.equal(cred.password, 'pass-1');
    assert.equal(cred.uris.length, 3);
    const summary = await stunnerctl([...q, '-o', 'summary']);
    assert.match(summary.stdout, /^Username: user-1\nPassword: pass-1\nTTL: \d+ s\nURIs:\n {2}- turn:127\.0\.0\.1:/);
    const ice = await stunnerctl([
      'auth',
      '-n',
      'stunner',
      'udp-gateway',
      '-o',
      'summary',
      '--auth-server-address',
      authAddr,
    ]);
    assert.match(
      ice.stdout,
      /^ICE transport policy: all\nICE servers:\n {2}- Username: user-1\n {4}Credential: pass-1\n {4}URLs:\n {6}- turn:/,
    );
    const path = await stunnerctl([
      'auth',
      '-n',
      'stunner',
      'udp-gateway',
      '-o',
      'jsonpath={.iceServers[0].urls[2]}',
      '--auth-server-address',
      authAddr,
    ]);
    assert.equal(path.stdout, `turns:127.0.0.1:${ports.tls}?transport=tcp\n`);
  });

  it('an unknown gateway, an unreachable or locked auth service: one coded line, exit 1', async () => {
    const unknown = await stunnerctl(['auth', '-n', 'stunner', 'nope', '--auth-server-address', authAddr]);
    assert.equal(unknown.code, 1);
    assert.ok(oneLineError(unknown, 'STUNNERCTL_ERR_NOT_FOUND'), unknown.stderr);
    assert.match(unknown.stderr, /answered 404 for gateway stunner\/nope/);
    const dead = await freePort();
    const down = await stunnerctl(['auth', '--auth-server-address', `127.0.0.1:${dead}`]);
    assert.ok(oneLineError(down, 'STUNNERCTL_ERR_AUTH'), down.stderr);
    const denied = await stunnerctl(['auth', '--auth-server-address', lockedAddr]);
    assert.ok(oneLineError(denied, 'STUNNERCTL_ERR_AUTH'), denied.stderr);
    assert.match(denied.stderr, /401.*--auth-token/);
    const allowed = await stunnerctl(['auth', '--auth-server-address', lockedAddr, '--auth-token', 'let-me-in']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal((JSON.parse(allowed.stdout) as Ice).iceServers.length, 2);
  });

  it("icetest --auth-server-address: authd's relay ICE config, through stunnerd over UDP, TCP and TLS", async () => {
    const r = await stunnerctl([
      'icetest',
      '-n',
      'stunner',
      'udp-gateway',
      '--auth-server-address',
      authAddr,
      '-i',
      '-d',
      '1',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as { results: { protocol: string; listener: string; result: string }[] };
    assert.deepEqual(
      report.results.map((x) => [x.protocol, x.listener, x.result]),
      [
        ['udp', `turn:127.0.0.1:${ports.udp}?transport=udp`, 'ok'],
        ['tcp', `turn:127.0.0.1:${ports.tcp}?transport=tcp`, 'ok'],
        ['tls', `turns:127.0.0.1:${ports.tls}?transport=tcp`, 'ok'],
      ],
    );
  });
});
