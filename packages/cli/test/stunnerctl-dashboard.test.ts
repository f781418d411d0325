// `stunnerctl dashboard` as a process against the operator's CDS server (in this process, fed a config
// as a render would) and a stunnerd process that follows it: the page's feed (server-sent events) shows
// the gateway's listeners, served and counted from the stunnerd's /status and /metrics; the server only
// reads; off loopback it needs a token, and with a token its data needs it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeSelfSignedCert, type WatchedProcess } from '@stunner/testing';
import {
  type CdsGateway,
  type GatewayPorts,
  oneLineError,
  startCdsGateway,
  stunnerctl,
  stunnerctlProcess,
} from './stunnerctl-harness.ts';

interface FeedState {
  gateways: { namespace: string; name: string; listeners: { name: string; protocol: string; serving: boolean }[] }[];
  problems: { message: string }[];
}

/** Reads the page's event stream until a `state` event satisfies `pred`; bounded by `timeoutMs`. */
async function feedUntil(url: string, pred: (s: FeedState) => boolean, timeoutMs = 15_000): Promise<FeedState> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const decoder = new TextDecoder();
  let buffered = '';
  let last: FeedState | undefined;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
        const data = /^event: state\ndata: (.*)$/s.exec(frame)?.[1];
        if (data === undefined) continue;
        last = JSON.parse(data) as FeedState;
        if (pred(last)) return last;
      }
    }
  } catch (err) {
    throw new Error(`no matching state in the feed within ${timeoutMs} ms; last: ${JSON.stringify(last)}`, {
      cause: err,
    });
  }
  throw new Error(`the feed ended; last: ${JSON.stringify(last)}`);
}

describe('stunnerctl dashboard against a CDS server and stunnerd', () => {
  const running: WatchedProcess[] = [];
  let gateway: CdsGateway;
  let cdsAddr: string;
  let ports: GatewayPorts;
  let metricsPort: number;

  before(async () => {
    gateway = await startCdsGateway('stunner/udp-gateway', makeSelfSignedCert());
    ({ cdsAddr, ports, metricsPort } = gateway);
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await gateway?.stop();
  });

  const serve = async (extra: string[] = []): Promise<{ p: WatchedProcess; url: string }> => {
    const p = stunnerctlProcess([
      'dashboard',
      '--cds-server-address',
      cdsAddr,
      '--pod-address',
      `127.0.0.1:${ports.health}`,
      '--metrics-address',
      `127.0.0.1:${metricsPort}`,
      '--dashboard-port',
      '0',
      ...extra,
    ]);
    running.push(p);
    const [, url] = await p.waitFor(/^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/m, {
      timeoutMs: 20_000,
      what: 'the dashboard URL',
    });
    return { p, url: url! };
  };

  it("the page's feed shows the gateway's listeners, served by the stunnerd; the page only reads", async () => {
    const { p, url } = await serve();
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const state = await feedUntil(`${url}api/events`, (s) => s.gateways[0]?.listeners.every((l) => l.serving) === true);
    assert.deepEqual(
      state.gateways.map((g) => `${g.namespace}/${g.name}`),
      ['stunner/udp-gateway'],
    );
    assert.deepEqual(
      state.gateways[0]!.listeners.map((l) => [l.name, l.protocol]),
      [
        ['stunner/udp-gateway/udp-listener', 'TURN-UDP'],
        ['stunner/udp-gateway/tcp-listener', 'TURN-TCP'],
        ['stunner/udp-gateway/tls-listener', 'TURN-TLS'],
      ],
    );
    assert.deepEqual(state.problems, []);
    const { logs } = (await (await fetch(`${url}api/state`)).json()) as { logs: string[] };
    assert.ok(
      logs.some((l) => l.includes('counters of a stunnerd') && l.includes(`127.0.0.1:${ports.health}/status`)),
      logs.join('\n'),
    );
    assert.equal((await fetch(`${url}api/state`, { method: 'POST' })).status, 405);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited(10_000), 0);
  });

  it('with a token, the data needs it, and the printed URL does not show it', async () => {
    const { p, url } = await serve(['--dashboard-token', 'dash-secret-1']);
    assert.equal((await fetch(`${url}api/state`)).status, 401);
    assert.equal((await fetch(`${url}api/state?token=dash-secret-1`)).status, 200);
    assert.doesNotMatch(p.stdout() + p.stderr(), /dash-secret-1/);
  });

  it('off loopback without a token: one line with STUNNERCTL_ERR_DASHBOARD, exit 1', async () => {
    const r = await stunnerctl([
      'dashboard',
      '--cds-server-address',
      cdsAddr,
      '--pod-address',
      `127.0.0.1:${ports.health}`,
      '--dashboard-address',
      '0.0.0.0',
    ]);
    assert.equal(r.code, 1);
    assert.ok(oneLineError(r, 'STUNNERCTL_ERR_DASHBOARD'), r.stderr);
    assert.match(r.stderr, /off loopback: give it a token/);
  });
});
