// Headless Chromium on an app page fetches its RTCConfiguration from the authd process (a CORS request
// with a bearer token, so a preflight) and connects two relay-only peers through the stunnerd process,
// with ephemeral auth and then, after the shared config file changes, static auth.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, launchChromium, waitUntil, watchProcess } from '@stunner/testing';
import { fetchIceConfig } from '../src/index.ts';
import { startAuthd } from './support/authd-process.ts';
import { gatewayConfig } from './support/operator-configs.ts';

const STUNNERD_MAIN = fileURLToPath(new URL('../../stunnerd/src/main.ts', import.meta.url));
const TOKEN = 'browser-token-123';
const dir = mkdtempSync(join(tmpdir(), 'authd-browser-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface CallOptions {
  authUrl: string;
  token: string;
  message: string;
  timeoutMs: number;
}
interface CallResult {
  received: string;
  username: string;
  urls: string[];
  policy: string;
  gathered: string[];
}

// The few WebRTC types the page function uses (the project compiles without the DOM library).
interface PageChannel {
  onopen: (() => void) | null;
  onmessage: ((ev: { data: string }) => void) | null;
  send(data: string): void;
}
interface PagePeer {
  onicecandidate: ((ev: { candidate: { type: string | null } | null }) => void) | null;
  ondatachannel: ((ev: { channel: PageChannel }) => void) | null;
  readonly iceConnectionState: string;
  readonly localDescription: unknown;
  createDataChannel(label: string): PageChannel;
  createOffer(): Promise<unknown>;
  createAnswer(): Promise<unknown>;
  setLocalDescription(d: unknown): Promise<void>;
  setRemoteDescription(d: unknown): Promise<void>;
  addIceCandidate(c: unknown): Promise<void>;
  close(): void;
}

/** Runs in the page: what an app's browser code does with authd's answer. */
async function callThroughAuthd(o: CallOptions): Promise<CallResult> {
  const res = await fetch(`${o.authUrl}/ice?service=turn&iceTransportPolicy=relay&username=browser`, {
    headers: { Authorization: `Bearer ${o.token}` },
  });
  if (!res.ok) throw new Error(`authd answered ${res.status}: ${await res.text()}`);
  const config = (await res.json()) as {
    iceServers: { username: string; urls: string[] }[];
    iceTransportPolicy: string;
  };
  const { RTCPeerConnection } = globalThis as unknown as { RTCPeerConnection: new (c: unknown) => PagePeer };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  const gathered: string[] = [];
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    from.onicecandidate = (ev) => {
      if (ev.candidate === null) return;
      gathered.push(ev.candidate.type ?? 'unknown');
      void to.addIceCandidate(ev.candidate);
    };
  }
  const received = new Promise<string>((resolve) => {
    b.ondatachannel = (ev) => {
      ev.channel.onmessage = (m) => resolve(m.data);
    };
  });
  const channel = a.createDataChannel('authd');
  channel.onopen = () => channel.send(o.message);
  try {
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no message in ${o.timeoutMs} ms: ICE ${a.iceConnectionState}/${b.iceConnectionState}`)),
        o.timeoutMs,
      );
    });
    const message = await Promise.race([received, timeout]);
    clearTimeout(timer);
    const server = config.iceServers[0]!;
    return {
      received: message,
      username: server.username,
      urls: server.urls,
      policy: config.iceTransportPolicy,
      gathered,
    };
  } finally {
    a.close();
    b.close();
  }
}

describe('Chromium gets its RTCConfiguration from authd and connects relay-only through stunnerd', {
  timeout: 120_000,
}, () => {
  it('ephemeral auth, then static auth', async (t) => {
    const [udp, tcp] = [await freePort(), await freePort()];
    const listeners = [
      { name: 'udp', protocol: 'TURN-UDP', port: udp },
      { name: 'tcp', protocol: 'TURN-TCP', port: tcp },
    ];
    const path = join(dir, 'stunnerd.conf');
    writeFileSync(
      path,
      JSON.stringify(gatewayConfig('web/gw', listeners, { type: 'ephemeral', secret: 'web-secret' })),
    );
    const stunnerd = watchProcess(process.execPath, [STUNNERD_MAIN, '-w', '-c', `file://${path}`]);
    t.after(() => stunnerd.stop());
    await stunnerd.waitFor(/listener web\/gw\/tcp TURN-TCP/, { timeoutMs: 20_000 });

    // The app's origin: a page served from another port than authd's.
    const app = createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>app</title>'),
    );
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => app.close(() => resolve())));
    const appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;

    const authd = await startAuthd(['-c', `file://${path}`, '--token', TOKEN, '--cors-origin', appOrigin]);
    t.after(() => authd.proc.stop());

    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    await page.goto(appOrigin);
    const call = () =>
      page.evaluate(callThroughAuthd, {
        authUrl: authd.base,
        token: TOKEN,
        message: 'hello via authd',
        timeoutMs: 20_000,
      });

    const eph = await call();
    assert.equal(eph.received, 'hello via authd');
    assert.match(eph.username, /^\d+:browser$/);
    assert.equal(eph.policy, 'relay');
    assert.deepEqual(eph.urls, [`turn:127.0.0.1:${udp}?transport=udp`, `turn:127.0.0.1:${tcp}?transport=tcp`]);
    assert.deepEqual(new Set(eph.gathered), new Set(['relay']));

    writeFileSync(
      path,
      JSON.stringify(
        gatewayConfig('web/gw', listeners, { type: 'static', username: 'web-user', password: 'web-pass' }),
      ),
    );
    await waitUntil(
      'authd serving static credentials',
      async () =>
        (await fetchIceConfig(authd.base, { token: TOKEN })).iceServers[0]!.username === 'web-user' ? true : undefined,
      10_000,
      200,
    );
    await waitUntil(
      'stunnerd reconciled',
      () =>
        stunnerd
          .stdout()
          .split('\n')
          .filter((l) => /listener web\/gw\/tcp/.test(l)).length >= 2
          ? true
          : undefined,
      15_000,
      100,
    );
    const stat = await call();
    assert.equal(stat.received, 'hello via authd');
    assert.equal(stat.username, 'web-user');
    assert.deepEqual(new Set(stat.gathered), new Set(['relay']));

    // A page from an origin authd does not allow cannot read the answer.
    const other = createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html>'),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => other.close(() => resolve())));
    await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}`);
    await assert.rejects(call(), /Failed to fetch/);
  });
});
