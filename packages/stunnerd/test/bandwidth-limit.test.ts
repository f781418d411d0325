// admin.bandwidth_limit through the daemon: a flooding allocation loses what exceeds its bucket, the
// loss is counted on /metrics, and another allocation on the same listener is unaffected. Counted
// bytes are asserted, never wall-clock speed (the rate itself is measured in the engine's tests).
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { validateStunnerConfig } from '@stunner/api';
import { TurnClient } from '@stunner/client';
import { LoggerFactory } from '@stunner/log';
import { Stunnerd } from '@stunner/stunnerd';
import { freePort, freeUdpPortPair } from '@stunner/testing';

const quiet = () => new LoggerFactory({ spec: 'all:ERROR', output: () => {} });

const metric = (text: string, name: string, direction: string) => {
  const m = new RegExp(`^${name}\\{name="udp",direction="${direction}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
};

describe('bandwidth limit per allocation', { timeout: 60_000 }, () => {
  let echo: Socket;
  let echoPort: number;
  let echoed = 0;
  before(async () => {
    echo = createSocket('udp4');
    echo.on('message', (m, r) => {
      echoed += m.length;
      echo.send(m, r.port, r.address);
    });
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    echoPort = echo.address().port;
  });
  after(() => echo.close());

  it('drops and counts what a flood sends beyond the limit; a calm allocation loses nothing', async () => {
    const [port, metricsPort] = [await freeUdpPortPair(), await freePort()];
    const d = new Stunnerd({ logger: quiet(), ipv6: false });
    const config = (limit: number) =>
      validateStunnerConfig({
        version: 'v1',
        admin: {
          name: 'test/gw',
          healthcheck_endpoint: '',
          metrics_endpoint: `http://127.0.0.1:${metricsPort}/metrics`,
          bandwidth_limit: limit,
        },
        auth: { type: 'static', credentials: { username: 'user', password: 'pass' } },
        listeners: [{ name: 'udp', protocol: 'TURN-UDP', address: '127.0.0.1', port, routes: ['media'] }],
        clusters: [{ name: 'media', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
      });
    const peer = { family: 'IPv4' as const, address: '127.0.0.1', port: echoPort };
    const client = async () => {
      const c = new TurnClient({ host: '127.0.0.1', port, username: 'user', password: 'pass' });
      await c.allocate();
      await c.bindChannel(peer);
      return c;
    };
    // 10 kB/s with a 16 KiB bucket: a 200 kB burst is mostly beyond it whatever the machine's speed.
    await d.apply(config(10_000));
    const flood = await client();
    const calm = await client();
    try {
      const payload = Buffer.alloc(1000, 7);
      for (let i = 0; i < 200; i++) flood.send(peer, payload);
      // The calm allocation's own bucket is untouched by the flood.
      const got = once(calm, 'data', { signal: AbortSignal.timeout(5000) });
      calm.send(peer, Buffer.from('calm'));
      assert.equal(((await got) as [Buffer])[0].toString(), 'calm');
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const dropped = metric(text, 'stunner_listener_bandwidth_dropped_bytes_total', 'rx');
      const relayed = metric(text, 'stunner_listener_bytes_total', 'rx');
      assert.ok(dropped >= 200_000 - 16_384 - 10_000 * 5, `dropped ${dropped}`);
      assert.equal(dropped + relayed, 200_000 + 4, 'every byte sent is either relayed or counted as dropped');
      assert.equal(metric(text, 'stunner_listener_bandwidth_dropped_packets_total', 'rx'), dropped / 1000);
      // Lifting the limit applies in place to the running allocation.
      await d.apply(config(0));
      const before = echoed;
      const back = once(flood, 'data', { signal: AbortSignal.timeout(5000) });
      flood.send(peer, Buffer.from('free'));
      await back;
      assert.equal(echoed - before, 4);
    } finally {
      await flood.close();
      await calm.close();
      await d.close();
    }
  });
});
