// A TURN client authenticates at the stunnerd process with the credentials and URIs the authd process
// hands out for the same config file: ephemeral auth, then static auth after the file changes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TurnClient } from '@stunner/client';
import { freePort, makeSelfSignedCert, waitUntil, watchProcess } from '@stunner/testing';
import { fetchIceConfig, type IceServer } from '../src/index.ts';
import { startAuthd } from './support/authd-process.ts';
import { gatewayConfig } from './support/operator-configs.ts';
import { dialTarget } from './support/turn-uri-parse.ts';

// The stunnerd program as `npm run stunnerd` starts it.
const STUNNERD_MAIN = fileURLToPath(new URL('../../stunnerd/src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'authd-stunnerd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function allocateEach(server: IceServer, password = server.credential): Promise<string[]> {
  const relayed: string[] = [];
  for (const uri of server.urls) {
    const target = dialTarget(uri);
    const client = new TurnClient({ ...target, username: server.username, password, insecure: true });
    try {
      const allocation = await client.allocate();
      relayed.push(`${target.transport} ${allocation.relayed.address}:${allocation.relayed.port}`);
    } finally {
      await client.close();
    }
  }
  return relayed;
}

describe('TURN client at stunnerd with credentials from authd', { timeout: 90_000 }, () => {
  it('ephemeral and static auth over TURN-UDP, TURN-TCP, TURN-TLS and TURN-DTLS', async (t) => {
    const cert = makeSelfSignedCert({ dir });
    const [udp, tcp, tls, dtls] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const listeners = [
      { name: 'udp', protocol: 'TURN-UDP', port: udp },
      { name: 'tcp', protocol: 'TURN-TCP', port: tcp },
      { name: 'tls', protocol: 'TURN-TLS', port: tls },
      { name: 'dtls', protocol: 'TURN-DTLS', port: dtls },
    ];
    const pem = { cert: Buffer.from(cert.cert).toString('base64'), key: Buffer.from(cert.key).toString('base64') };
    const path = join(dir, 'stunnerd.conf');
    writeFileSync(
      path,
      JSON.stringify(gatewayConfig('local/gw', listeners, { type: 'ephemeral', secret: 'shh-secret' }, pem)),
    );

    const stunnerd = watchProcess(process.execPath, [STUNNERD_MAIN, '-w', '-c', `file://${path}`]);
    t.after(() => stunnerd.stop());
    await stunnerd.waitFor(/listener local\/gw\/dtls TURN-DTLS/, { timeoutMs: 60_000 });
    const authd = await startAuthd(['-c', `file://${path}`]);
    t.after(() => authd.proc.stop());

    const ice = await fetchIceConfig(authd.base, { username: 'dave', ttl: 600, iceTransportPolicy: 'relay' });
    assert.equal(ice.iceServers.length, 1);
    const server = ice.iceServers[0]!;
    assert.match(server.username, /^\d+:dave$/);
    assert.deepEqual(server.urls, [
      `turn:127.0.0.1:${udp}?transport=udp`,
      `turn:127.0.0.1:${tcp}?transport=tcp`,
      `turns:127.0.0.1:${tls}?transport=tcp`,
      `turns:127.0.0.1:${dtls}?transport=udp`,
    ]);
    assert.deepEqual(
      (await allocateEach(server)).map((r) => r.split(' ')[0]),
      ['udp', 'tcp', 'tls', 'dtls'],
    );
    await assert.rejects(
      allocateEach({ ...server, urls: server.urls.slice(0, 1) }, 'not-the-password'),
      /401|Unauthorized|auth/i,
    );

    writeFileSync(
      path,
      JSON.stringify(
        gatewayConfig('local/gw', listeners, { type: 'static', username: 'user-1', password: 'pass-1' }, pem),
      ),
    );
    await waitUntil(
      'authd serving static credentials',
      async () => ((await fetchIceConfig(authd.base)).iceServers[0]!.username === 'user-1' ? true : undefined),
      10_000,
      200,
    );
    // stunnerd announces its listeners again once it has reconciled the new auth.
    await waitUntil(
      'stunnerd reconciled',
      () =>
        stunnerd
          .stdout()
          .split('\n')
          .filter((l) => /listener local\/gw\/dtls/.test(l)).length >= 2
          ? true
          : undefined,
      15_000,
      100,
    );
    const staticIce = await fetchIceConfig(authd.base, { username: 'ignored-for-static' });
    assert.deepEqual(staticIce.iceServers[0]!.credential, 'pass-1');
    assert.equal((await allocateEach(staticIce.iceServers[0]!)).length, 4);
    await assert.rejects(
      allocateEach(server),
      /401|Unauthorized|auth/i,
      'the old ephemeral credentials no longer work',
    );
  });
});
