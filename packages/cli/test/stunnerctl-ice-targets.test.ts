// What icetest connects through: RFC 7065 URLs per listener protocol, from configs, authd answers and URIs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  protocolOfUrl,
  targetsFromConfigs,
  targetsFromIce,
  targetsFromUris,
  turnUrl,
} from '../src/stunnerctl/icetest/ice-targets.ts';
import { percentile, summarizeRtts } from '../src/stunnerctl/icetest/rtt-stats.ts';

describe('icetest targets', () => {
  it('RFC 7065 URLs: TLS is turns over TCP, DTLS turns over UDP; IPv6 in brackets', () => {
    assert.equal(turnUrl({ transport: 'udp', host: '192.0.2.1', port: 3478 }), 'turn:192.0.2.1:3478?transport=udp');
    assert.equal(turnUrl({ transport: 'tcp', host: '192.0.2.1', port: 3478 }), 'turn:192.0.2.1:3478?transport=tcp');
    assert.equal(turnUrl({ transport: 'tls', host: '::1', port: 443 }), 'turns:[::1]:443?transport=tcp');
    assert.equal(
      turnUrl({ transport: 'dtls', host: 'turn.example.com', port: 443 }),
      'turns:turn.example.com:443?transport=udp',
    );
    for (const [url, p] of [
      ['turn:192.0.2.1:3478?transport=udp', 'udp'],
      ['turn:192.0.2.1:3478', 'udp'],
      ['turn:192.0.2.1:3478?transport=tcp', 'tcp'],
      ['turns:192.0.2.1:443?transport=tcp', 'tls'],
      ['turns:192.0.2.1:443', 'tls'],
      ['turns:192.0.2.1:443?transport=udp', 'dtls'],
      ['stun:192.0.2.1:3478', undefined],
    ] as const) {
      assert.equal(protocolOfUrl(url), p, url);
    }
  });

  it('from configs: static credentials as set, ephemeral made from the secret; no public address is a reason', () => {
    const targets = targetsFromConfigs(
      [
        {
          version: 'v1',
          admin: { name: 'stunner/gw' },
          auth: { type: 'ephemeral', credentials: { secret: 's3cret' } },
          listeners: [
            {
              name: 'stunner/gw/udp',
              protocol: 'TURN-UDP',
              address: '$STUNNER_ADDR',
              port: 3478,
              public_address: '192.0.2.7',
              public_port: 30478,
            },
            { name: 'stunner/gw/tls', protocol: 'TURN-TLS', address: '$STUNNER_ADDR', port: 443 },
          ],
        },
      ],
      1_700_000_000,
    );
    assert.deepEqual(targets[0], {
      protocol: 'udp',
      listener: 'stunner/gw/udp',
      url: 'turn:192.0.2.7:30478?transport=udp',
      username: '1700003600',
      credential: targets[0]!.credential,
    });
    assert.match(targets[0]!.credential!, /^[A-Za-z0-9+/]{27}=$/);
    assert.equal(targets[1]!.protocol, 'tls');
    assert.match(targets[1]!.error!, /no public address yet/);
  });

  it("from authd's /ice: one target per TURN URL with that server's credentials", () => {
    const targets = targetsFromIce({
      iceServers: [
        {
          username: 'u',
          credential: 'c',
          urls: ['turn:192.0.2.1:3478?transport=udp', 'turns:192.0.2.1:443?transport=tcp'],
        },
      ],
    });
    assert.deepEqual(
      targets.map((t) => [t.protocol, t.url, t.username, t.credential]),
      [
        ['udp', 'turn:192.0.2.1:3478?transport=udp', 'u', 'c'],
        ['tls', 'turns:192.0.2.1:443?transport=tcp', 'u', 'c'],
      ],
    );
  });

  it('from URIs: the credentials leave the URL', () => {
    const [t] = targetsFromUris(['turns://user:p%40ss@127.0.0.1:5349?transport=tcp']);
    assert.deepEqual(t, {
      protocol: 'tls',
      listener: 'turns:127.0.0.1:5349?transport=tcp',
      url: 'turns:127.0.0.1:5349?transport=tcp',
      username: 'user',
      credential: 'p@ss',
    });
  });
});

describe('icetest statistics', () => {
  it('nearest-rank percentiles, loss of the packets whose echo never came', () => {
    const rtts = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(rtts, 50), 50);
    assert.equal(percentile(rtts, 99), 99);
    assert.deepEqual(summarizeRtts(200, rtts), {
      sent: 200,
      received: 100,
      lossPercent: 50,
      rttMs: { min: 1, p50: 50, p99: 99, max: 100 },
    });
    assert.deepEqual(summarizeRtts(10, []), { sent: 10, received: 0, lossPercent: 100, rttMs: undefined });
  });
});
