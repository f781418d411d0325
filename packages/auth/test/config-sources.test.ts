import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { StunnerConfigError, zeroConfig } from '@stunner/api';
import { ConfigStore, fetchIceConfig, iceConfig, parseAuthConfig, parseAuthConfigs } from '../src/index.ts';

const operatorRendered = JSON.stringify({
  version: 'v1',
  admin: { name: 'stunner/udp-gateway', loglevel: 'all:INFO' },
  auth: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: 'user-1', password: '$ecret' } },
  listeners: [
    { name: 'stunner/udp-gateway/udp-listener', protocol: 'TURN-UDP', address: '$STUNNER_ADDR', port: 3478 },
    { name: 'stunner/udp-gateway/tls', protocol: 'TURN-TLS', address: '$STUNNER_ADDR', port: 443 },
  ],
  clusters: [],
});

describe('config sources', () => {
  it("reads an operator-rendered config whose listener address is stunnerd's own $STUNNER_ADDR (and a TLS listener without its cert)", () => {
    const c = parseAuthConfig(operatorRendered, {});
    assert.equal(c.auth.credentials.password, '$ecret', 'credentials are not env-expanded');
    assert.deepEqual(
      iceConfig([c]).iceServers[0]!.urls,
      ['turn:0.0.0.0:3478?transport=udp', 'turns:0.0.0.0:443?transport=tcp'],
      'an address only the pod knows falls back to 0.0.0.0, as in STUNner',
    );
    const withAddr = parseAuthConfig(operatorRendered, { STUNNER_ADDR: '10.0.0.7' });
    assert.equal(iceConfig([withAddr]).iceServers[0]!.urls[0], 'turn:10.0.0.7:3478?transport=udp');
  });

  it('refuses what is no config, with the field at fault', () => {
    assert.throws(() => parseAuthConfig('{"version":"v2"}', {}), StunnerConfigError);
    assert.throws(
      () => parseAuthConfig(JSON.stringify({ version: 'v1', auth: { type: 'bogus' } }), {}),
      /auth.type: invalid auth type "bogus"/,
    );
  });

  it('reads a CDS list document as several configs', () => {
    const list = JSON.stringify({ version: 'v1', items: [JSON.parse(operatorRendered), zeroConfig('x/y')] });
    const configs = parseAuthConfigs(list, {});
    assert.deepEqual(
      configs.map((c) => c.admin.name),
      ['stunner/udp-gateway', 'x/y'],
    );
    const store = new ConfigStore();
    store.replace(configs);
    assert.deepEqual(store.ids(), ['stunner/udp-gateway'], 'a zero config is no gateway');
    assert.equal(store.apply(zeroConfig('stunner/udp-gateway')), 'deleted');
    assert.equal(store.apply(zeroConfig('stunner/udp-gateway')), 'unchanged', 'a deleted id is not stored back');
    assert.equal(store.size, 0);
  });
});

describe('fetchIceConfig errors', () => {
  it('unreachable, non-200 and malformed answers are AUTH_ERR_FETCH with what happened', async (t) => {
    let answer: [number, string] = [200, 'not json'];
    const server = createServer((_req, res) => res.writeHead(answer[0]).end(answer[1]));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await assert.rejects(fetchIceConfig(base), {
      code: 'AUTH_ERR_FETCH',
      status: 502,
      message: /malformed answer: not JSON/,
    });
    answer = [200, '{"iceServers":5}'];
    await assert.rejects(fetchIceConfig(base), { code: 'AUTH_ERR_FETCH', message: /no iceServers array/ });
    answer = [404, 'could not generate ICE config: no valid listener found\n'];
    await assert.rejects(fetchIceConfig(base, { namespace: 'x' }), {
      code: 'AUTH_ERR_FETCH',
      status: 404,
      message: /answered 404: could not generate ICE config: no valid listener found$/,
    });
    await assert.rejects(fetchIceConfig('http://127.0.0.1:1'), {
      code: 'AUTH_ERR_FETCH',
      message: /cannot reach the auth service/,
    });
  });
});
