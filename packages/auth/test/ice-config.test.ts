import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { type AuthConfig, type ListenerConfig, NODE_ADDRESS_PLACEHOLDER, validateStunnerConfig } from '@stunner/api';
import { checkEphemeralUsername } from '@stunner/stun';
import { AuthError, iceConfig, matchingTurnUris, turnAuthToken, turnCredentials, turnUri } from '../src/index.ts';
import { fixtureConfigs, SECRET } from './support/fixture.ts';

const NOW = 1_800_000_000;

function listener(over: Partial<ListenerConfig>): ListenerConfig {
  return { name: 'ns/gw/l', protocol: 'TURN-UDP', address: '10.0.0.1', port: 3478, routes: [], ...over };
}

describe('turnUri', () => {
  it('uses the RFC 7065 scheme and transport of each protocol', () => {
    assert.equal(turnUri(listener({ protocol: 'TURN-UDP' })), 'turn:10.0.0.1:3478?transport=udp');
    assert.equal(turnUri(listener({ protocol: 'TURN-TCP' })), 'turn:10.0.0.1:3478?transport=tcp');
    assert.equal(turnUri(listener({ protocol: 'TURN-TLS' })), 'turns:10.0.0.1:3478?transport=tcp');
    assert.equal(turnUri(listener({ protocol: 'TURN-DTLS' })), 'turns:10.0.0.1:3478?transport=udp');
  });

  it('takes the host as public-addr > public_address > address > 0.0.0.0 and the port as public_port > port', () => {
    const l = listener({ public_address: '1.2.3.4', public_port: 443 });
    assert.equal(turnUri(l, '5.6.7.8'), 'turn:5.6.7.8:443?transport=udp');
    assert.equal(turnUri(l), 'turn:1.2.3.4:443?transport=udp');
    assert.equal(turnUri(listener({})), 'turn:10.0.0.1:3478?transport=udp');
    assert.equal(turnUri(listener({ address: '' })), 'turn:0.0.0.0:3478?transport=udp');
    assert.equal(turnUri(listener({ address: '$STUNNER_ADDR' })), 'turn:0.0.0.0:3478?transport=udp');
    assert.equal(turnUri(listener({ public_address: NODE_ADDRESS_PLACEHOLDER })), 'turn:10.0.0.1:3478?transport=udp');
    assert.equal(turnUri(listener({ public_port: 0 })), 'turn:10.0.0.1:3478?transport=udp');
  });

  it('brackets IPv6 hosts and leaves DNS names alone', () => {
    assert.equal(turnUri(listener({ address: '::1' })), 'turn:[::1]:3478?transport=udp');
    assert.equal(turnUri(listener({}), 'turn.example.com'), 'turn:turn.example.com:3478?transport=udp');
  });
});

describe('turnCredentials', () => {
  it('hands out static credentials as configured', () => {
    const auth = { type: 'static' as const, realm: 'r', credentials: { username: 'u', password: 'p$x' } };
    assert.deepEqual(turnCredentials(auth, { ttl: 10, now: NOW }), { username: 'u', password: 'p$x' });
  });

  it('makes TURN REST API credentials for ephemeral auth: <now+ttl>:<user>, base64(HMAC-SHA1(secret, username))', () => {
    const auth = { type: 'ephemeral' as const, realm: 'r', credentials: { secret: SECRET } };
    const c = turnCredentials(auth, { userId: 'alice', ttl: 3600, now: NOW });
    assert.equal(c.username, `${NOW + 3600}:alice`);
    assert.equal(c.password, createHmac('sha1', SECRET).update(c.username).digest('base64'));
    assert.deepEqual(checkEphemeralUsername(c.username, NOW), { ok: true, expiry: NOW + 3600, userId: 'alice' });
    assert.equal(turnCredentials(auth, { ttl: 5, now: NOW }).username, `${NOW + 5}:`, 'no user id leaves the colon');
  });

  it('refuses none auth and missing credentials with AUTH_ERR_INVALID_CONFIG', () => {
    const auths: AuthConfig[] = [
      { type: 'none' as const, realm: 'r', credentials: {} },
      { type: 'static' as const, realm: 'r', credentials: { username: 'u' } },
      { type: 'ephemeral' as const, realm: 'r', credentials: {} },
    ];
    for (const auth of auths) {
      assert.throws(
        () => turnCredentials(auth, { ttl: 1, now: NOW }),
        (e: unknown) => e instanceof AuthError && e.code === 'AUTH_ERR_INVALID_CONFIG' && e.status === 500,
      );
    }
  });
});

describe('iceConfig', () => {
  const configs = fixtureConfigs();

  it('gives one iceServer per gateway with the URIs of its operator-rendered listeners, in gateway order', () => {
    const ice = iceConfig(configs, { now: NOW, username: 'bob' });
    assert.equal(ice.iceTransportPolicy, 'all');
    assert.deepEqual(
      ice.iceServers.map((s) => s.urls),
      [
        ['turn:[2001:db8::1]:3478?transport=udp'],
        ['turn:10.0.0.2:3478?transport=tcp', 'turns:10.0.0.2:5349?transport=tcp'],
        ['turn:10.0.0.1:3478?transport=udp', 'turns:1.2.3.4:443?transport=udp'],
      ],
    );
    assert.deepEqual(ice.iceServers[2], {
      username: 'user-1',
      credential: 'pass-1',
      urls: ['turn:10.0.0.1:3478?transport=udp', 'turns:1.2.3.4:443?transport=udp'],
    });
    const eph = ice.iceServers[1]!;
    assert.equal(eph.username, `${NOW + 86_400}:bob`, 'ttl defaults to one day');
    assert.equal(eph.credential, createHmac('sha1', SECRET).update(eph.username).digest('base64'));
  });

  it('filters by namespace, gateway (with namespace) and listener (with both), as STUNner', () => {
    const urls = (o: Parameters<typeof iceConfig>[1]) => iceConfig(configs, o).iceServers.flatMap((s) => s.urls);
    assert.deepEqual(urls({ namespace: 'other' }), ['turn:[2001:db8::1]:3478?transport=udp']);
    assert.deepEqual(urls({ namespace: 'stunner', gateway: 'tcp-gateway' }), [
      'turn:10.0.0.2:3478?transport=tcp',
      'turns:10.0.0.2:5349?transport=tcp',
    ]);
    assert.deepEqual(urls({ namespace: 'stunner', gateway: 'tcp-gateway', listener: 'tls-listener' }), [
      'turns:10.0.0.2:5349?transport=tcp',
    ]);
    assert.equal(urls({ gateway: 'tcp-gateway' }).length, 5, 'gateway without namespace filters nothing');
    assert.equal(urls({ namespace: 'stunner', listener: 'tls-listener' }).length, 4, 'listener needs gateway too');
  });

  it('puts public-addr over STUNNER_PUBLIC_ADDR over the listener addresses', () => {
    const one = { namespace: 'stunner', gateway: 'udp-gateway', listener: 'dtls-listener' };
    assert.deepEqual(matchingTurnUris(configs[0]!, { ...one, defaultPublicAddr: '9.9.9.9' }), [
      'turns:9.9.9.9:443?transport=udp',
    ]);
    assert.deepEqual(matchingTurnUris(configs[0]!, { ...one, defaultPublicAddr: '9.9.9.9', publicAddr: '8.8.8.8' }), [
      'turns:8.8.8.8:443?transport=udp',
    ]);
  });

  it('echoes the transport policy', () => {
    assert.equal(iceConfig(configs, { iceTransportPolicy: 'relay' }).iceTransportPolicy, 'relay');
  });

  it('throws 500 AUTH_ERR_NO_CONFIG with no configs and 404 AUTH_ERR_NO_LISTENER when nothing matches', () => {
    assert.throws(() => iceConfig([]), { code: 'AUTH_ERR_NO_CONFIG', status: 500 });
    assert.throws(() => iceConfig(configs, { namespace: 'nope' }), { code: 'AUTH_ERR_NO_LISTENER', status: 404 });
  });

  it('skips a gateway whose auth issues no credentials, and reports it when it is the only match', () => {
    const stunOnly = validateStunnerConfig({
      version: 'v1',
      admin: { name: 'stun/only' },
      auth: { type: 'none' },
      listeners: [{ name: 'stun/only/udp', protocol: 'UDP', address: '10.1.1.1', port: 3478 }],
    });
    assert.equal(iceConfig([...configs, stunOnly]).iceServers.length, 3);
    assert.throws(() => iceConfig([...configs, stunOnly], { namespace: 'stun' }), {
      code: 'AUTH_ERR_INVALID_CONFIG',
      status: 500,
    });
  });
});

describe('turnAuthToken', () => {
  it('answers for the first matching gateway only, echoing the ttl', () => {
    const t = turnAuthToken(fixtureConfigs(), { namespace: 'stunner', ttl: 3600, username: 'x', now: NOW });
    assert.deepEqual(t, {
      username: `${NOW + 3600}:x`,
      password: createHmac('sha1', SECRET)
        .update(`${NOW + 3600}:x`)
        .digest('base64'),
      ttl: 3600,
      uris: ['turn:10.0.0.2:3478?transport=tcp', 'turns:10.0.0.2:5349?transport=tcp'],
    });
    assert.equal(turnAuthToken(fixtureConfigs(), { namespace: 'stunner', gateway: 'udp-gateway' }).ttl, 86_400);
  });
});
