import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ephemeralPassword } from '@stunner/stun';
import { freePort } from '@stunner/testing';
import { cdsBaseUrl, fetchStunnerConfig, serverFromConfig } from '../src/stunner-uri.ts';

const ref = { namespace: 'stunner', gateway: 'udp-gateway', listener: 'udp-listener' };

function config(auth: object, listener: object = {}) {
  return {
    version: 'v1',
    admin: { name: 'stunner/udp-gateway' },
    auth: { realm: 'stunner.l7mp.io', ...auth },
    listeners: [
      {
        name: 'stunner/udp-gateway/udp-listener',
        protocol: 'TURN-UDP',
        address: '$STUNNER_ADDR',
        port: 3478,
        public_address: '1.2.3.4',
        public_port: 30478,
        ...listener,
      },
    ],
    clusters: [],
  };
}

describe('serverFromConfig (stunnerd config v1 → TURN server)', () => {
  it('uses the public address and port and static credentials', () => {
    const s = serverFromConfig(config({ type: 'static', credentials: { username: 'u', password: 'p' } }), ref, 0);
    assert.deepEqual(s, { transport: 'udp', host: '1.2.3.4', port: 30478, username: 'u', password: 'p' });
  });

  it('maps listener protocols to transports', () => {
    const auth = { type: 'static', credentials: { username: 'u', password: 'p' } };
    for (const [protocol, transport] of [
      ['TURN-TCP', 'tcp'],
      ['TURN-TLS', 'tls'],
      ['turn-dtls', 'dtls'],
      ['UDP', 'udp'],
    ]) {
      assert.equal(serverFromConfig(config(auth, { protocol }), ref, 0).transport, transport);
    }
  });

  it('generates one-hour ephemeral credentials from the secret', () => {
    const s = serverFromConfig(config({ type: 'ephemeral', credentials: { secret: 'sec' } }), ref, 1_700_000_000.7);
    assert.equal(s.username, '1700003600');
    assert.equal(s.password, ephemeralPassword('sec', '1700003600'));
  });

  it('falls back to a concrete listener address, and refuses a listener without any', () => {
    const auth = { type: 'static', credentials: { username: 'u', password: 'p' } };
    const s = serverFromConfig(config(auth, { public_address: '', public_port: 0, address: '10.0.0.5' }), ref, 0);
    assert.equal(s.host, '10.0.0.5');
    assert.equal(s.port, 3478);
    assert.throws(() => serverFromConfig(config(auth, { public_address: '' }), ref, 0), {
      code: 'TURNCAT_ERR_LISTENER',
      message: /no public address/,
    });
  });

  it('names the listeners it has when the one asked for is missing', () => {
    assert.throws(() => serverFromConfig(config({ type: 'none' }), { ...ref, listener: 'tls-listener' }, 0), {
      code: 'TURNCAT_ERR_LISTENER',
      message: /no listener "tls-listener" \(listeners: stunner\/udp-gateway\/udp-listener\)/,
    });
  });

  it('builds the CDS base URL from the flag values', () => {
    assert.equal(cdsBaseUrl('10.0.0.1:13478'), 'http://10.0.0.1:13478');
    assert.equal(cdsBaseUrl('cds.example'), 'http://cds.example:13478');
    assert.equal(cdsBaseUrl('cds.example', 8080), 'http://cds.example:8080');
    assert.equal(cdsBaseUrl('https://cds.example/'), 'https://cds.example');
  });
});

describe('fetchStunnerConfig against an HTTP server serving the CDS API', () => {
  let server: Server;
  let address: string;
  const requests: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/api/v1/configs/stunner/udp-gateway') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(config({ type: 'static', credentials: { username: 'u', password: 'p' } })));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ code: 404, message: `Config not found for ID ${req.url}` }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const a = server.address();
    address = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('GETs /api/v1/configs/<ns>/<gateway>', async () => {
    const c = await fetchStunnerConfig(ref, { address });
    assert.equal(c.version, 'v1');
    assert.equal(requests.at(-1), '/api/v1/configs/stunner/udp-gateway');
  });

  it('reports a missing config as 404 with what to check', async () => {
    await assert.rejects(fetchStunnerConfig({ ...ref, gateway: 'nope' }, { address }), {
      code: 'TURNCAT_ERR_CDS',
      message: /no config for stunner\/nope \(404\)/,
    });
  });

  it('reports an unreachable CDS server and a missing --cds-server-address', async () => {
    await assert.rejects(fetchStunnerConfig(ref, { address: `127.0.0.1:${await freePort()}` }), {
      code: 'TURNCAT_ERR_CDS',
      message: /cannot reach the CDS server/,
    });
    await assert.rejects(fetchStunnerConfig(ref, { address: undefined }), {
      code: 'TURNCAT_ERR_CDS',
      message: /--cds-server-address/,
    });
  });
});
