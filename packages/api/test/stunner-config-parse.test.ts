import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isZeroStunnerConfig,
  parseStunnerConfig,
  StunnerConfigError,
  validateStunnerConfig,
  zeroConfig,
} from '@stunner/api';

const PEM = (kind: string) => Buffer.from(`-----BEGIN ${kind}-----\nMIIB\n-----END ${kind}-----\n`).toString('base64');

const yamlConfig = `
version: v1
admin:
  name: stunner/udp-gateway
  loglevel: all:INFO
auth:
  type: plaintext
  realm: stunner.l7mp.io
  credentials:
    username: user-1
    password: pa$$word
listeners:
  - name: stunner/udp-gateway/udp-listener
    protocol: udp
    address: $STUNNER_ADDR
    port: $STUNNER_PORT
    routes: [stunner/media-plane, stunner/b-route]
clusters:
  - name: stunner/media-plane
    endpoints: [10.244.0.0/16, 10.96.0.10]
`;

function issuesOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof StunnerConfigError, String(err));
    assert.equal(err.code, 'STUNNER_ERR_INVALID_CONFIG');
    return [...err.issues];
  }
  assert.fail('expected a StunnerConfigError');
}

describe('parseStunnerConfig', () => {
  it('reads YAML, expands the environment, normalises aliases, sorts routes and endpoints', () => {
    const c = parseStunnerConfig(yamlConfig, { STUNNER_ADDR: '10.0.0.7', STUNNER_PORT: '3479' });
    assert.equal(c.auth.type, 'static');
    const l = c.listeners[0]!;
    assert.equal(l.protocol, 'TURN-UDP');
    assert.equal(l.address, '10.0.0.7');
    assert.equal(l.port, 3479);
    assert.deepEqual(l.routes, ['stunner/b-route', 'stunner/media-plane']);
    assert.deepEqual(c.clusters[0]!.endpoints, ['10.244.0.0/16', '10.96.0.10']);
    assert.equal(c.clusters[0]!.type, 'STATIC');
  });

  it('keeps credentials raw: a $ in a password is not expanded', () => {
    const c = parseStunnerConfig(yamlConfig, { STUNNER_ADDR: '10.0.0.7', word: 'oops' });
    assert.equal(c.auth.credentials.password, 'pa$$word');
  });

  it('takes STUNNER_PORT from STUNNER_PUBLIC_PORT, else 3478, when it is not a number', () => {
    assert.equal(
      parseStunnerConfig(yamlConfig, { STUNNER_ADDR: '1.2.3.4', STUNNER_PUBLIC_PORT: '443' }).listeners[0]!.port,
      443,
    );
    assert.equal(
      parseStunnerConfig(yamlConfig, { STUNNER_ADDR: '1.2.3.4', STUNNER_PORT: 'x' }).listeners[0]!.port,
      3478,
    );
  });

  it('reads JSON and fills the defaults', () => {
    const c = parseStunnerConfig(
      JSON.stringify({ version: 'v1', auth: { credentials: { username: 'u', password: 'p' } } }),
      {},
    );
    assert.equal(c.admin.name, 'default-stunnerd');
    assert.equal(c.admin.loglevel, 'all:INFO');
    assert.equal(c.auth.realm, 'stunner.l7mp.io');
    assert.equal(c.auth.type, 'static');
    assert.deepEqual(c.listeners, []);
    assert.deepEqual(c.clusters, []);
  });

  it('converts v1alpha1, dropping keys v1 no longer has', () => {
    const c = parseStunnerConfig(
      `version: v1alpha1
auth: {type: longterm, credentials: {secret: s}}
listeners: [{name: l, protocol: TURN-TCP, address: 127.0.0.1, port: 3478, min_relay_port: 10000}]`,
      {},
    );
    assert.equal(c.version, 'v1');
    assert.equal(c.auth.type, 'ephemeral');
    assert.equal('min_relay_port' in c.listeners[0]!, false);
  });

  it('refuses an unsupported version', () => {
    assert.deepEqual(
      issuesOf(() => parseStunnerConfig('version: v2\nauth: {}', {})),
      ['version: unsupported API version "v2"; use "v1"'],
    );
  });

  it('refuses text that is neither YAML nor JSON', () => {
    assert.match(issuesOf(() => parseStunnerConfig('{ version: [', {}))[0]!, /^not YAML or JSON/);
  });

  it('names each invalid field', () => {
    const issues = issuesOf(() =>
      validateStunnerConfig({
        version: 'v1',
        admin: { metrics_endpoint: 'http://[bad' },
        auth: { type: 'static', credentials: { username: 'u' } },
        listeners: [
          { name: 'a', protocol: 'SCTP', port: 3478 },
          { name: 'b', port: 70000 },
        ],
      }),
    );
    assert.ok(
      issues.some((i) => i.startsWith('listeners[0].protocol:')),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((i) => i.startsWith('listeners[1].port:')),
      issues.join('\n'),
    );
    assert.ok(
      issues.some((i) => i.startsWith('auth.credentials.password:')),
      issues.join('\n'),
    );
  });

  it('names semantic errors: address, TLS material, endpoints, duplicates, metrics URL', () => {
    const issues = issuesOf(() =>
      validateStunnerConfig({
        version: 'v1',
        admin: { metrics_endpoint: 'not a url' },
        auth: { type: 'ephemeral', credentials: { secret: 's' } },
        listeners: [
          { name: 'tls', protocol: 'TLS', address: 'gateway.example' },
          { name: 'tls', protocol: 'TURN-DTLS', cert: PEM('CERTIFICATE'), key: 'bm90IHBlbQ==' },
        ],
        clusters: [
          { name: 'c', endpoints: ['10.0.0.1/33'] },
          { name: 'd', type: 'STRICT_DNS', endpoints: ['bad name!'] },
        ],
      }),
    );
    const expected = [
      'admin.metrics_endpoint:',
      'listeners[0].address: "gateway.example" is not an IP address',
      'listeners[0].cert: required for TURN-TLS',
      'listeners[0].key: required for TURN-TLS',
      'listeners[1].name: duplicate listener name "tls"',
      'listeners[1].key: not base64 of a PEM block',
      'clusters[0].endpoints[0]: endpoint "10.0.0.1/33"',
      'clusters[1].endpoints[0]: "bad name!" is not a DNS name',
    ];
    for (const e of expected)
      assert.ok(
        issues.some((i) => i.startsWith(e)),
        `${e} missing in:\n${issues.join('\n')}`,
      );
  });

  it('accepts a TLS listener with PEM material', () => {
    const c = validateStunnerConfig({
      version: 'v1',
      auth: { type: 'none' },
      listeners: [{ name: 'tls', protocol: 'turn-tls', cert: PEM('CERTIFICATE'), key: PEM('PRIVATE KEY') }],
    });
    assert.equal(c.listeners[0]!.protocol, 'TURN-TLS');
  });
});

describe('zero config', () => {
  it('is recognised, whatever the log level', () => {
    const zero = zeroConfig('ns/gw');
    assert.ok(isZeroStunnerConfig(zero));
    assert.ok(isZeroStunnerConfig({ ...zero, admin: { ...zero.admin, loglevel: 'all:DEBUG' } }));
    assert.ok(!isZeroStunnerConfig(parseStunnerConfig(yamlConfig, { STUNNER_ADDR: '1.2.3.4' })));
  });
});
