import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CdsServer } from '@stunner/operator/runtime';
import { waitUntil, watchProcess } from '@stunner/testing';
import { fetchIceConfig, fetchTurnAuthToken } from '../src/index.ts';
import { AUTHD_MAIN, startAuthd } from './support/authd-process.ts';
import { gatewayConfig } from './support/operator-configs.ts';

const dir = mkdtempSync(join(tmpdir(), 'authd-process-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const urls = async (base: string, query = '') => {
  const res = await fetch(`${base}/ice?service=turn${query}`);
  if (res.status !== 200) return `${res.status}`;
  const ice = (await res.json()) as { iceServers: { urls: string[] }[] };
  return ice.iceServers.flatMap((s) => s.urls).join(' ');
};

describe('authd process', { timeout: 60_000 }, () => {
  it('answers /ice from the operator CDS: learns, follows and forgets gateways; STUNNER_PUBLIC_ADDR overrides hosts', async (t) => {
    const cds = new CdsServer();
    const { port } = await cds.listen(0, '127.0.0.1');
    t.after(() => cds.close());
    const { proc, base } = await startAuthd(
      ['--cds-server-address', '127.0.0.1', '--cds-server-port', String(port), '--probes'],
      {
        STUNNER_PUBLIC_ADDR: '',
      },
    );
    t.after(() => proc.stop());
    assert.equal((await fetch(`${base}/ice?service=turn`)).status, 500, 'no config yet');
    assert.equal(await (await fetch(`${base}/?service=turn`)).text(), 'no STUNner configuration available\n');

    cds.update([
      gatewayConfig('stunner/udp-gateway', [
        { name: 'udp-listener', protocol: 'TURN-UDP', port: 3478, public_address: '1.2.3.4' },
      ]),
      gatewayConfig('team/tcp-gateway', [{ name: 'tcp-listener', protocol: 'TURN-TCP', port: 3479 }], {
        type: 'ephemeral',
        secret: 's3cret',
      }),
    ]);
    await waitUntil(
      'both gateways in /ice',
      async () => ((await urls(base)).split(' ').length === 2 ? true : undefined),
      10_000,
    );
    assert.equal(await urls(base), 'turn:1.2.3.4:3478?transport=udp turn:127.0.0.1:3479?transport=tcp');
    assert.equal((await fetch(`${base}/ready`)).status, 200);

    const token = await fetchTurnAuthToken(base, { namespace: 'team', username: 'carol', ttl: 60 });
    assert.match(token.username, /^\d+:carol$/);
    assert.equal(token.ttl, 60);
    assert.deepEqual(token.uris, ['turn:127.0.0.1:3479?transport=tcp']);

    cds.update([
      gatewayConfig('stunner/udp-gateway', [
        { name: 'udp-listener', protocol: 'TURN-UDP', port: 3478, public_address: '1.2.3.4' },
      ]),
    ]);
    await waitUntil(
      'deleted gateway gone',
      async () => ((await urls(base, '&namespace=team')) === '404' ? true : undefined),
      10_000,
    );
    assert.equal(await urls(base), 'turn:1.2.3.4:3478?transport=udp');
    await proc.stop();

    const withEnv = await startAuthd(['--cds-server-address', `http://127.0.0.1:${port}`], {
      STUNNER_PUBLIC_ADDR: '9.9.9.9',
    });
    t.after(() => withEnv.proc.stop());
    await waitUntil(
      'config via env-address authd',
      async () => ((await urls(withEnv.base)) !== '500' ? true : undefined),
      10_000,
    );
    assert.equal(await urls(withEnv.base), 'turn:9.9.9.9:3478?transport=udp');
    assert.equal(await urls(withEnv.base, '&public-addr=8.8.8.8'), 'turn:8.8.8.8:3478?transport=udp');
  });

  it('serves a static stunnerd config file (--config file://) and reloads it when it changes', async (t) => {
    const path = join(dir, 'stunnerd.conf');
    const write = (port: number) =>
      writeFileSync(path, JSON.stringify(gatewayConfig('local/gw', [{ name: 'udp', protocol: 'TURN-UDP', port }])));
    write(3478);
    const { proc, base } = await startAuthd(['-c', `file://${path}`, '--token', 'sesame-1234', '--metrics']);
    t.after(() => proc.stop());
    const ice = await fetchIceConfig(base, { token: 'sesame-1234', iceTransportPolicy: 'relay' });
    assert.deepEqual(ice, {
      iceServers: [{ username: 'user-1', credential: 'pass-1', urls: ['turn:127.0.0.1:3478?transport=udp'] }],
      iceTransportPolicy: 'relay',
    });
    await assert.rejects(fetchIceConfig(base), { code: 'AUTH_ERR_FETCH', status: 401 });
    write(4000);
    await waitUntil(
      'reloaded file',
      async () =>
        (await fetchIceConfig(base, { key: 'sesame-1234' })).iceServers[0]!.urls[0]!.includes(':4000')
          ? true
          : undefined,
      10_000,
      200,
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /authd_requests_total\{endpoint="ice",code="401"\} 1/);
    assert.match(metrics, /authd_configs 1/);
  });

  it('refuses bad flags with a coded error and a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [[], /AUTH_ERR_FLAGS: no config source: give --cds-server-address/],
      [['--cds-server-address', 'x', '--port', '70000'], /AUTH_ERR_FLAGS: --port 70000: give a port number/],
      [['--cds-server-address', 'x', '--bogus'], /AUTH_ERR_FLAGS: Unknown option '--bogus'/],
      [
        ['--cds-server-address', 'x', '--log-format', 'xml'],
        /AUTH_ERR_FLAGS: invalid log format "xml": use text or json/,
      ],
      [['--cds-server-address', 'x', '--rate-limit=-1'], /AUTH_ERR_FLAGS: --rate-limit -1/],
      [
        ['--cds-server-address', 'x', '--cors-origin', 'app.example.com'],
        /AUTH_ERR_FLAGS: --cors-origin app.example.com/,
      ],
      [['-c', 'file:///nonexistent/stunnerd.conf'], /AUTH_ERR_CONFIG_SOURCE: cannot load \/nonexistent\/stunnerd.conf/],
    ];
    for (const [args, pattern] of cases) {
      const proc = watchProcess(process.execPath, [AUTHD_MAIN, ...args], {
        env: { ...process.env, CDS_SERVER_ADDR: '' },
      });
      const code = await proc.exited(15_000);
      assert.notEqual(code, 0, args.join(' '));
      assert.match(proc.stderr(), pattern);
    }
  });
});
