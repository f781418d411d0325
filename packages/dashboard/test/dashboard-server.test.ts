// The dashboard server over real sockets: the page and uPlot from npm, the SSE stream (history, logs,
// state, log lines), read-only methods, and the token off loopback.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import {
  type DashboardSample,
  DashboardServer,
  type DashboardSource,
  isLoopbackHost,
  LogBuffer,
  startDashboard,
} from '../src/index.ts';

/** A source whose listener counters grow by 1000 bytes and 10 packets per sample. */
function countingSource(): DashboardSource & { samples: number } {
  const src = {
    title: 'test source',
    samples: 0,
    async sample(): Promise<DashboardSample> {
      src.samples++;
      const n = src.samples;
      return {
        time: n * 1000,
        gateways: [
          {
            namespace: 'ns',
            name: 'gw',
            conditions: [],
            addresses: ['127.0.0.1'],
            listeners: [
              {
                name: 'ns/gw/udp',
                listener: 'udp',
                protocol: 'TURN-UDP',
                port: 3478,
                conditions: [],
                serving: true,
                allocations: 1,
                rx: { packets: 10 * n, bytes: 1000 * n },
                tx: { packets: 0, bytes: 0 },
              },
            ],
          },
        ],
        allocations: [],
        clusters: [],
        configs: [],
        manifests: [],
        problems: [],
      };
    },
  };
  return src;
}

/** Reads SSE frames until `count` events have arrived. */
function readEvents(url: string, count: number): Promise<{ event: string; data: unknown }[]> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      let buf = '';
      const events: { event: string; data: unknown }[] = [];
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buf += chunk;
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          if (events.length >= count) {
            req.destroy();
            resolve(events);
            return;
          }
          i = buf.indexOf('\n\n');
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard server', { timeout: 30_000 }, () => {
  it('serves the page and uPlot from its npm package; refuses writes', async (t) => {
    const d = await startDashboard({ source: countingSource(), port: 0, intervalMs: 50 });
    t.after(() => d.close());
    const page = await fetch(d.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const uplot = await fetch(new URL('/vendor/uPlot.esm.js', d.url));
    assert.equal(uplot.status, 200);
    assert.match(await uplot.text(), /export \{ uPlot as default \}|export default/);
    for (const path of ['/app.js', '/charts.js', '/render.js', '/ice-test.js', '/format.js', '/app.css']) {
      assert.equal((await fetch(new URL(path, d.url))).status, 200, path);
    }
    assert.equal((await fetch(new URL('/../package.json', d.url))).status, 404);
    const post = await fetch(new URL('/api/state', d.url), { method: 'POST' });
    assert.equal(post.status, 405);
  });

  it('streams the history, the logs, the state with rates, and new log lines', async (t) => {
    const logs = new LogBuffer(10);
    logs.write('first line\n');
    const source = countingSource();
    const d = await startDashboard({ source, port: 0, intervalMs: 100, logs });
    t.after(() => d.close());
    const reading = readEvents(new URL('/api/events', d.url).href, 6);
    setTimeout(() => logs.write('second line\n'), 250);
    const events = await reading;
    assert.deepEqual(
      events.slice(0, 2).map((e) => e.event),
      ['history', 'logs'],
    );
    assert.deepEqual(events[1]!.data, ['first line']);
    const states = events
      .filter((e) => e.event === 'state')
      .map((e) => e.data as { title: string; rates: { listeners: Record<string, number[]> } });
    assert.ok(states.length >= 2);
    assert.equal(states[0]!.title, 'test source');
    // 1000 bytes and 10 packets per one-second sample: 8000 bit/s and 10 packets/s from clients.
    assert.deepEqual(states.at(-1)!.rates.listeners['ns/gw/udp'], [10, 0, 8000, 0]);
    const logLine = events.find((e) => e.event === 'log');
    assert.equal(logLine?.data, 'second line');
  });

  it('off loopback it needs a token, and answers /api only with it', async (t) => {
    assert.throws(() => new DashboardServer({ source: countingSource(), address: '0.0.0.0' }), {
      code: 'DASHBOARD_ERR_TOKEN_REQUIRED',
    });
    assert.equal(isLoopbackHost('127.0.0.2'), true);
    assert.equal(isLoopbackHost('::1'), true);
    assert.equal(isLoopbackHost('10.0.0.1'), false);
    const d = await startDashboard({ source: countingSource(), port: 0, token: 's3cret', intervalMs: 50 });
    t.after(() => d.close());
    assert.match(d.url, /\?token=s3cret$/);
    const base = new URL(d.url);
    assert.equal((await fetch(new URL('/api/state', base))).status, 401);
    assert.equal((await fetch(new URL('/api/state?token=wrong', base))).status, 401);
    assert.equal((await fetch(new URL('/api/state?token=s3cret', base))).status, 200);
    const bearer = await fetch(new URL('/api/state', base), { headers: { Authorization: 'Bearer s3cret' } });
    assert.equal(bearer.status, 200);
    const body = (await bearer.json()) as { state: { title: string } };
    assert.equal(body.state.title, 'test source');
  });
});
