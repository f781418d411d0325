import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { validateStunnerConfig } from '@stunner/api';
import { HealthServer, parseHttpEndpoint, redactConfig } from '@stunner/stunnerd';

const pem = (s: string) => Buffer.from(`-----BEGIN ${s}-----\nAAAA\n-----END ${s}-----\n`).toString('base64');

describe('admin endpoint URLs', () => {
  it('read an empty host as every interface and fill port and path', () => {
    assert.deepEqual(parseHttpEndpoint('http://:8086', 8086), { host: '0.0.0.0', port: 8086, path: '/' });
    assert.deepEqual(parseHttpEndpoint('http://127.0.0.1:9090/metrics', 8080), {
      host: '127.0.0.1',
      port: 9090,
      path: '/metrics',
    });
    assert.deepEqual(parseHttpEndpoint('http://[::1]/m', 8080), { host: '::1', port: 8080, path: '/m' });
  });
  it('explain what is wrong', () => {
    assert.match(parseHttpEndpoint('ftp://x', 1) as string, /not an http/);
    assert.match(parseHttpEndpoint('http://:99999', 1) as string, /outside/);
  });
});

describe('HealthServer', () => {
  let ready = false;
  const config = validateStunnerConfig({
    version: 'v1',
    auth: { type: 'static', credentials: { username: 'alice', password: 'hunter2' } },
    listeners: [{ name: 'tls', protocol: 'TURN-TLS', cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY') }],
  });
  const server = new HealthServer({
    isReady: () => ready,
    status: () => ({ ...redactConfig(config), status: ready ? 'READY' : 'NOT-READY' }),
  });
  const forced = new HealthServer({ isReady: () => false, status: () => ({}) }, { forceReady: true });
  after(async () => {
    await server.close();
    await forced.close();
  });

  async function get(port: number, path: string): Promise<[number, unknown]> {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return [res.status, await res.json()];
  }

  let port = 0;

  it('answers /live, and /ready 503 until ready, then 200', async () => {
    port = (await server.listen({ host: '127.0.0.1', port: 0, path: '/' })).port;
    assert.deepEqual(await get(port, '/live'), [200, {}]);
    assert.deepEqual(await get(port, '/ready'), [503, { status: 503, message: 'stunnerd not ready' }]);
    ready = true;
    assert.deepEqual(await get(port, '/ready'), [200, { status: 200, message: 'READY' }]);
    const [code, status] = (await get(port, '/status')) as [number, Record<string, unknown>];
    assert.equal(code, 200);
    assert.equal(status.status, 'READY');
    assert.equal((await get(port, '/nope'))[0], 404);
  });

  it('shows no password, secret, certificate or key on /status', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/status`);
    const text = await res.text();
    assert.match(text, /"credentials":/);
    assert.doesNotMatch(text, /hunter2/);
    assert.doesNotMatch(text, new RegExp(pem('CERTIFICATE').slice(0, 20)));
    assert.match(text, /"username":"alice"/);
  });

  it('answers /ready 200 when forced, whatever the state', async () => {
    const f = await forced.listen({ host: '127.0.0.1', port: 0, path: '/' });
    assert.deepEqual(await get(f.port, '/ready'), [200, { status: 200, message: 'READY' }]);
  });
});
