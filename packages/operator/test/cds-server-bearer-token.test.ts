// The CDS bearer token (issue: an authenticated config channel): off by default, as STUNner's CDS; on,
// every read and watch without the token, or with a wrong one, gets 401 and no config.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type StunnerConfig, zeroConfig } from '@stunner/api';
import WebSocket from 'ws';
import { CdsServer } from '../src/cds/cds-server.ts';

const TOKEN = 'cds-token-0123456789abcdef';
const config = {
  ...zeroConfig('ns/gw'),
  auth: { type: 'static', realm: 'r', credentials: { username: 'secret-user', password: 'secret-pass' } },
  listeners: [{ name: 'ns/gw/udp', protocol: 'TURN-UDP', address: '$STUNNER_ADDR', port: 3478, routes: [] }],
} as StunnerConfig;

async function server(token?: string): Promise<{ cds: CdsServer; base: string }> {
  const cds = new CdsServer(token === undefined ? {} : { token });
  const addr = await cds.listen(0, '127.0.0.1');
  cds.update([config]);
  return { cds, base: `127.0.0.1:${addr.port}` };
}

const get = (base: string, path: string, token?: string) =>
  fetch(`http://${base}${path}`, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });

/** The status of a watch upgrade and, when it opens, the first frame. */
function watch(base: string, token?: string): Promise<{ status: number; frame?: string }> {
  const ws = new WebSocket(`ws://${base}/api/v1/configs/ns/gw?watch=true`, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('message', (data) => {
      resolve({ status: 101, frame: data.toString() });
      ws.close();
    });
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

test('off (the default): reads and watches without a token are served, as by STUNner', async (t) => {
  const { cds, base } = await server();
  t.after(() => cds.close());
  const res = await get(base, '/api/v1/configs/ns/gw');
  assert.equal(res.status, 200);
  assert.match(await res.text(), /secret-pass/);
  assert.equal((await watch(base)).status, 101);
});

test('on: no token → 401 and no config, on every route and on the watch', async (t) => {
  const { cds, base } = await server(TOKEN);
  t.after(() => cds.close());
  for (const path of ['/api/v1/configs/ns/gw', '/api/v1/configs/ns', '/api/v1/configs', '/api/v1/license']) {
    const res = await get(base, path);
    assert.equal(res.status, 401, path);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.doesNotMatch(await res.text(), /secret|TURN-UDP/, `${path}: nothing of the config`);
  }
  assert.deepEqual(await watch(base), { status: 401 });
  assert.equal(cds.watcherCount, 0);
});

test('on: a wrong token → 401 and no config; the right one → the config', async (t) => {
  const { cds, base } = await server(TOKEN);
  t.after(() => cds.close());
  for (const wrong of ['wrong', `${TOKEN}x`, TOKEN.slice(0, -1), '']) {
    const res = await get(base, '/api/v1/configs/ns/gw', wrong);
    assert.equal(res.status, 401, `token "${wrong}"`);
    assert.doesNotMatch(await res.text(), /secret/);
    assert.equal((await watch(base, wrong)).status, 401);
  }
  const res = await get(base, '/api/v1/configs/ns/gw', TOKEN);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /secret-pass/);
  const w = await watch(base, TOKEN);
  assert.equal(w.status, 101);
  assert.match(w.frame ?? '', /"ns\/gw\/udp"/);
});

test('the operator takes the token file from --cds-token-file or $STUNNER_CDS_TOKEN_FILE; none by default', async () => {
  const { parseOperatorFlags } = await import('../src/runtime/operator-flags.ts');
  assert.equal(parseOperatorFlags([], {}).cdsTokenFile, undefined);
  assert.equal(parseOperatorFlags(['--cds-token-file', '/etc/cds/token'], {}).cdsTokenFile, '/etc/cds/token');
  assert.equal(parseOperatorFlags([], { STUNNER_CDS_TOKEN_FILE: '/var/run/token' }).cdsTokenFile, '/var/run/token');
  assert.equal(
    parseOperatorFlags(['--cds-token-file=/a'], { STUNNER_CDS_TOKEN_FILE: '/b' }).cdsTokenFile,
    '/a',
    'the flag wins',
  );
});
