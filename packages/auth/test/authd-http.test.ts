import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { StunnerConfig } from '@stunner/api';
import { AuthMetrics, AuthServer, type AuthServerOptions } from '../src/index.ts';
import { fixtureConfigs, SECRET } from './support/fixture.ts';

const NOW_MS = 1_800_000_000_000;
const NOW = NOW_MS / 1000;

async function start(
  t: { after(fn: () => Promise<void>): void } | undefined,
  options: Partial<AuthServerOptions> = {},
) {
  const configs: StunnerConfig[] = fixtureConfigs();
  const server = new AuthServer({ configs: () => configs, now: () => NOW_MS, ...options });
  const { port } = await server.listen(0, '127.0.0.1');
  const close = () => server.close();
  if (t) t.after(close);
  return { base: `http://127.0.0.1:${port}`, configs, close };
}

interface Row {
  name: string;
  path: string;
  status: number;
  /** Checks the parsed JSON answer (200) or the text (others). */
  check?: (body: unknown) => void;
  text?: RegExp;
}

const eph = (user: string, ttl = 86_400) => {
  const username = `${NOW + ttl}:${user}`;
  return { username, password: createHmac('sha1', SECRET).update(username).digest('base64') };
};

const rows: Row[] = [
  {
    name: 'GET / gives the first gateway (by id) as a TURN REST token, ttl 86400 by default',
    path: '/?service=turn',
    status: 200,
    check: (b) =>
      assert.deepEqual(b, {
        username: 'u',
        password: 'p',
        ttl: 86_400,
        uris: ['turn:[2001:db8::1]:3478?transport=udp'],
      }),
  },
  {
    name: 'GET / with username and ttl makes ephemeral credentials for an ephemeral gateway',
    path: '/?service=turn&username=alice&ttl=3600&namespace=stunner&gateway=tcp-gateway',
    status: 200,
    check: (b) =>
      assert.deepEqual(b, {
        ...eph('alice', 3600),
        ttl: 3600,
        uris: ['turn:10.0.0.2:3478?transport=tcp', 'turns:10.0.0.2:5349?transport=tcp'],
      }),
  },
  {
    name: 'GET /ice gives every gateway, policy all',
    path: '/ice?service=turn&username=bob',
    status: 200,
    check: (b) => {
      const ice = b as {
        iceServers: { username: string; credential: string; urls: string[] }[];
        iceTransportPolicy: string;
      };
      assert.equal(ice.iceTransportPolicy, 'all');
      assert.deepEqual(Object.keys(ice.iceServers[0]!).sort(), ['credential', 'urls', 'username']);
      assert.deepEqual(
        ice.iceServers.map((s) => [s.username, s.credential]),
        [
          ['u', 'p'],
          [eph('bob').username, eph('bob').password],
          ['user-1', 'pass-1'],
        ],
      );
    },
  },
  {
    name: 'iceTransportPolicy=relay is echoed',
    path: '/ice?service=turn&iceTransportPolicy=relay',
    status: 200,
    check: (b) => assert.equal((b as { iceTransportPolicy: string }).iceTransportPolicy, 'relay'),
  },
  {
    name: 'iceTransportPolicy=public is echoed',
    path: '/ice?service=turn&iceTransportPolicy=public',
    status: 200,
    check: (b) => assert.equal((b as { iceTransportPolicy: string }).iceTransportPolicy, 'public'),
  },
  {
    name: 'namespace filter',
    path: '/ice?service=turn&namespace=other',
    status: 200,
    check: (b) => assert.deepEqual(urls(b), ['turn:[2001:db8::1]:3478?transport=udp']),
  },
  {
    name: 'gateway filter (with namespace)',
    path: '/ice?service=turn&namespace=stunner&gateway=udp-gateway',
    status: 200,
    check: (b) => assert.deepEqual(urls(b), ['turn:10.0.0.1:3478?transport=udp', 'turns:1.2.3.4:443?transport=udp']),
  },
  {
    name: 'listener filter (with namespace and gateway)',
    path: '/?service=turn&namespace=stunner&gateway=udp-gateway&listener=dtls-listener',
    status: 200,
    check: (b) => assert.deepEqual((b as { uris: string[] }).uris, ['turns:1.2.3.4:443?transport=udp']),
  },
  {
    name: 'gateway without namespace filters nothing (STUNner)',
    path: '/ice?service=turn&gateway=udp-gateway',
    status: 200,
    check: (b) => assert.equal(urls(b).length, 5),
  },
  {
    name: 'public-addr overrides every host',
    path: '/ice?service=turn&namespace=stunner&public-addr=5.6.7.8',
    status: 200,
    check: (b) =>
      assert.ok(
        urls(b).every((u) => u.includes(':5.6.7.8:')),
        urls(b).join(),
      ),
  },
  {
    name: 'public-ip (older name) overrides every host',
    path: '/?service=turn&namespace=other&public-ip=2001:db8::9',
    status: 200,
    check: (b) => assert.deepEqual((b as { uris: string[] }).uris, ['turn:[2001:db8::9]:3478?transport=udp']),
  },
  {
    name: 'key is accepted (and ignored without a token)',
    path: '/ice?service=turn&key=whatever',
    status: 200,
  },
  { name: 'missing service on / is 400', path: '/', status: 400, text: /"service" must be "turn".*add service=turn/ },
  { name: 'missing service on /ice is 400', path: '/ice', status: 400, text: /"service" must be "turn"/ },
  { name: 'service other than turn is 400', path: '/ice?service=stun', status: 400, text: /not "stun"/ },
  {
    name: 'no listener matches: 404 (ice)',
    path: '/ice?service=turn&namespace=none',
    status: 404,
    text: /^could not generate ICE config: no valid listener found for namespace=none$/m,
  },
  {
    name: 'no listener matches: 404 (turn)',
    path: '/?service=turn&namespace=stunner&gateway=udp-gateway&listener=nope',
    status: 404,
    text: /^could not generate TURN auth token: no valid listener found/m,
  },
  { name: 'ttl=0 is 400', path: '/?service=turn&ttl=0', status: 400, text: /ttl "0" is not a positive whole number/ },
  { name: 'ttl=-5 is 400', path: '/?service=turn&ttl=-5', status: 400, text: /ttl "-5"/ },
  { name: 'ttl=1.5 is 400', path: '/ice?service=turn&ttl=1.5', status: 400, text: /ttl "1.5"/ },
  { name: 'ttl=abc is 400', path: '/ice?service=turn&ttl=abc', status: 400, text: /ttl "abc"/ },
  { name: 'a huge ttl is 400', path: '/ice?service=turn&ttl=99999999999', status: 400, text: /up to/ },
  {
    name: 'unknown policy is 400',
    path: '/ice?service=turn&iceTransportPolicy=none',
    status: 400,
    text: /iceTransportPolicy "none" is unknown; use all, public, relay/,
  },
  {
    name: 'unknown parameter is 400',
    path: '/ice?service=turn&user=x',
    status: 400,
    text: /unknown query parameter "user"/,
  },
  {
    name: 'iceTransportPolicy is not a parameter of GET /',
    path: '/?service=turn&iceTransportPolicy=relay',
    status: 400,
    text: /unknown query parameter "iceTransportPolicy"/,
  },
  {
    name: 'a public-addr that is no host is 400',
    path: '/ice?service=turn&public-addr=a%20b',
    status: 400,
    text: /not an IP/,
  },
  { name: 'unknown path is 404', path: '/nope', status: 404, text: /404 page not found/ },
  { name: 'probes are off by default', path: '/live', status: 404 },
  { name: 'metrics are off by default', path: '/metrics', status: 404 },
  { name: 'a malformed escape does not crash', path: '/ice?service=turn&username=%E0%A4%A', status: 200 },
];

function urls(b: unknown): string[] {
  return (b as { iceServers: { urls: string[] }[] }).iceServers.flatMap((s) => s.urls);
}

describe('authd HTTP: every query parameter and error of STUNner §3', () => {
  let base = '';
  let close = async () => {};
  before(async () => ({ base, close } = await start(undefined)));
  after(() => close());

  for (const row of rows) {
    it(`${row.name}: ${row.path} → ${row.status}`, async () => {
      const res = await fetch(`${base}${row.path}`);
      const body = await res.text();
      assert.equal(res.status, row.status, body);
      if (res.status === 200 && row.path.match(/^\/(ice)?\?/)) {
        assert.equal(res.headers.get('content-type'), 'application/json; charset=UTF-8');
        row.check?.(JSON.parse(body));
      } else {
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
        if (row.text) assert.match(body, row.text);
      }
    });
  }

  it('500 "no STUNner configuration available" with an empty store', async (t) => {
    const s = await start(t);
    s.configs.length = 0;
    for (const path of ['/?service=turn', '/ice?service=turn']) {
      const res = await fetch(`${s.base}${path}`);
      assert.equal(res.status, 500);
      assert.equal(await res.text(), 'no STUNner configuration available\n');
    }
  });

  it('405 for methods other than GET', async () => {
    const res = await fetch(`${base}/ice?service=turn`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });

  it('survives a request line that is no URL', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/`, { path: '//[bad' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.ok(status >= 400 && status < 500, String(status));
    assert.equal((await fetch(`${base}/ice?service=turn`)).status, 200, 'still serving');
  });
});

describe('authd HTTP extras', () => {
  it('token: 401 without it, 200 with the bearer header or key; probes and metrics stay open', async (t) => {
    const metrics = new AuthMetrics();
    const s = await start(t, { token: 'sesame-1234', probes: true, metrics });
    const noToken = await fetch(`${s.base}/ice?service=turn`);
    assert.equal(noToken.status, 401);
    assert.match(noToken.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.match(await noToken.text(), /Authorization: Bearer/);
    assert.equal((await fetch(`${s.base}/ice?service=turn&key=wrong`)).status, 401);
    assert.equal(
      (await fetch(`${s.base}/ice?service=turn`, { headers: { Authorization: 'Bearer wrong-token' } })).status,
      401,
    );
    assert.equal(
      (await fetch(`${s.base}/ice?service=turn`, { headers: { Authorization: 'Bearer sesame-1234' } })).status,
      200,
    );
    assert.equal((await fetch(`${s.base}/?service=turn&key=sesame-1234`)).status, 200);
    assert.equal((await fetch(`${s.base}/live`)).status, 200);
    assert.equal((await fetch(`${s.base}/ready`)).status, 200);
    const text = await (await fetch(`${s.base}/metrics`)).text();
    assert.match(text, /authd_requests_total\{endpoint="ice",code="401"\} 3/);
    assert.match(text, /authd_requests_total\{endpoint="ice",code="200"\} 1/);
    assert.match(text, /authd_requests_total\{endpoint="turn",code="200"\} 1/);
    assert.match(text, /authd_configs 3/);
  });

  it('/ready is 503 until the config source has synced', async (t) => {
    let synced = false;
    const s = await start(t, { probes: true, ready: () => synced });
    assert.equal((await fetch(`${s.base}/ready`)).status, 503);
    synced = true;
    assert.equal((await fetch(`${s.base}/ready`)).status, 200);
  });

  it('CORS: allowed origins get the header and a preflight, others do not', async (t) => {
    const s = await start(t, { corsOrigins: ['https://app.example.com'], token: 'sesame-1234' });
    const pre = await fetch(`${s.base}/ice?service=turn`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /GET/);
    const ok = await fetch(`${s.base}/ice?service=turn`, {
      headers: { Origin: 'https://app.example.com', Authorization: 'Bearer sesame-1234' },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(ok.headers.get('vary'), 'Origin');
    const denied401 = await fetch(`${s.base}/ice?service=turn`, { headers: { Origin: 'https://app.example.com' } });
    assert.equal(denied401.status, 401);
    assert.equal(
      denied401.headers.get('access-control-allow-origin'),
      'https://app.example.com',
      'errors readable too',
    );
    const other = await fetch(`${s.base}/ice?service=turn&key=sesame-1234`, {
      headers: { Origin: 'https://evil.example' },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const prefOther = await fetch(`${s.base}/ice`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(prefOther.status, 403);

    const any = await start(t, { corsOrigins: ['*'] });
    const star = await fetch(`${any.base}/ice?service=turn`, { headers: { Origin: 'https://x.example' } });
    assert.equal(star.headers.get('access-control-allow-origin'), '*');
  });

  it('without CORS configured no CORS header is sent (STUNner)', async (t) => {
    const s = await start(t);
    const res = await fetch(`${s.base}/ice?service=turn`, { headers: { Origin: 'https://app.example.com' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('rate limit: a client gets its burst, then 429 with Retry-After until the clock refills the bucket', async (t) => {
    let now = NOW_MS;
    const s = await start(t, { rateLimit: { rate: 2, burst: 3 }, now: () => now, probes: true });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${s.base}/ice?service=turn`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const limited = await fetch(`${s.base}/?service=turn`);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal((await fetch(`${s.base}/live`)).status, 200, 'probes are not limited');
    now += 500;
    assert.equal((await fetch(`${s.base}/ice?service=turn`)).status, 200, 'half a second at 2/s refills one token');
    assert.equal((await fetch(`${s.base}/ice?service=turn`)).status, 429);
  });
});
