// A real browser against stunnerd (issue 3, Tests): headless Chromium (Debian `chromium`, driven by
// playwright-core) runs two RTCPeerConnections whose only ICE server is stunnerd, with
// iceTransportPolicy 'relay', and a DataChannel message crosses from one to the other through two
// TURN allocations (relay to relay on loopback), over TURN-UDP, TURN-TCP and TURN-TLS: first against
// stunnerd's listeners in this process (to watch the engine), then against the stunnerd process
// started on a config file.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { on, once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Method } from '@stunner/stun';
import { freePort, launchChromium, makeSelfSignedCert } from '@stunner/testing';
import type { AllocationInfo } from '@stunner/turn';
import type { Browser } from 'playwright-core';
import {
  type LoopbackTurnServer,
  PASSWORD,
  startLoopbackTurn,
  type TurnTransport,
  USERNAME,
} from './support/loopback-turn.ts';

/** The one ICE server URL per client transport; TURN-TLS is `turns:` over TCP. */
const VARIANTS: ReadonlyArray<{ transport: TurnTransport; name: string; url: (port: number) => string }> = [
  { transport: 'udp', name: 'TURN-UDP', url: (port) => `turn:127.0.0.1:${port}?transport=udp` },
  { transport: 'tcp', name: 'TURN-TCP', url: (port) => `turn:127.0.0.1:${port}?transport=tcp` },
  { transport: 'tls', name: 'TURN-TLS', url: (port) => `turns:127.0.0.1:${port}?transport=tcp` },
];

/** Bound on ICE, DTLS and the message, inside the page. */
const PAGE_TIMEOUT_MS = 20_000;

interface CallOptions {
  readonly iceServer: { urls: string; username: string; credential: string };
  readonly message: string;
  readonly timeoutMs: number;
}

/** What the page reports: the message received and the selected candidate pair of the receiver. */
interface CallResult {
  readonly received: string;
  readonly local: CandidateStats;
  readonly remote: CandidateStats;
  /** Candidate types each peer gathered (only relay is expected). */
  readonly gathered: string[];
}

interface CandidateStats {
  readonly candidateType: string;
  readonly relayProtocol?: string;
  readonly address: string;
  readonly port: number;
}

// The few WebRTC types the page function uses (the project compiles without the DOM library).
interface PageIceCandidate {
  readonly candidate: string;
  readonly type: string | null;
}
interface PageDataChannel {
  onopen: (() => void) | null;
  onmessage: ((ev: { data: string }) => void) | null;
  send(data: string): void;
}
interface PageDescription {
  readonly type: string;
  readonly sdp?: string;
}
interface PagePeerConnection {
  onicecandidate: ((ev: { candidate: PageIceCandidate | null }) => void) | null;
  ondatachannel: ((ev: { channel: PageDataChannel }) => void) | null;
  readonly iceConnectionState: string;
  readonly connectionState: string;
  readonly localDescription: PageDescription | null;
  createDataChannel(label: string): PageDataChannel;
  createOffer(): Promise<PageDescription>;
  createAnswer(): Promise<PageDescription>;
  setLocalDescription(d: PageDescription): Promise<void>;
  setRemoteDescription(d: PageDescription): Promise<void>;
  addIceCandidate(c: PageIceCandidate): Promise<void>;
  getStats(): Promise<Map<string, Record<string, unknown>>>;
  close(): void;
}
interface PageGlobals {
  RTCPeerConnection: new (config: unknown) => PagePeerConnection;
}

/**
 * Runs in the page (serialised by Playwright, so it uses nothing from outside its body): two peer
 * connections, relay-only through the one TURN server, trickle ICE between them, a DataChannel from
 * the first, and one message to the second. Resolves with what arrived and the selected pair.
 */
async function relayedCall(options: CallOptions): Promise<CallResult> {
  const { RTCPeerConnection } = globalThis as unknown as PageGlobals;
  const config = { iceServers: [options.iceServer], iceTransportPolicy: 'relay' };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  const gathered: string[] = [];
  const trickle = (from: PagePeerConnection, to: PagePeerConnection) => {
    from.onicecandidate = (ev) => {
      if (ev.candidate === null) return;
      gathered.push(ev.candidate.type ?? 'unknown');
      void to.addIceCandidate(ev.candidate);
    };
  };
  trickle(a, b);
  trickle(b, a);
  const received = new Promise<string>((resolve) => {
    b.ondatachannel = (ev) => {
      ev.channel.onmessage = (m) => resolve(m.data);
    };
  });
  const channel = a.createDataChannel('stunner');
  channel.onopen = () => channel.send(options.message);
  try {
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `no message within ${options.timeoutMs} ms: ICE ${a.iceConnectionState}/${b.iceConnectionState}, ` +
                `connection ${a.connectionState}/${b.connectionState}, gathered [${gathered.join(' ')}]`,
            ),
          ),
        options.timeoutMs,
      );
    });
    const message = await Promise.race([received, timeout]);
    clearTimeout(timer);
    const stats = [...(await b.getStats()).values()];
    const transport = stats.find((s) => s.type === 'transport');
    const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
    const candidate = (id: unknown): CandidateStats => {
      const s = stats.find((c) => c.id === id) ?? {};
      return {
        candidateType: String(s.candidateType),
        ...(s.relayProtocol === undefined ? {} : { relayProtocol: String(s.relayProtocol) }),
        address: String(s.address),
        port: Number(s.port),
      };
    };
    return {
      received: message,
      local: candidate(pair?.localCandidateId),
      remote: candidate(pair?.remoteCandidateId),
      gathered,
    };
  } finally {
    a.close();
    b.close();
  }
}

describe('Chromium DataChannel relayed by stunnerd (iceTransportPolicy relay)', () => {
  let browser: Browser;
  const servers = new Map<TurnTransport, { server: LoopbackTurnServer; created: AllocationInfo[] }>();

  before(async () => {
    for (const { transport } of VARIANTS) {
      const server = await startLoopbackTurn(transport);
      const created: AllocationInfo[] = [];
      server.engine.on('allocation-created', (a) => created.push(a));
      servers.set(transport, { server, created });
    }
    const tls = servers.get('tls')!.server;
    browser = await launchChromium({ trustCertPem: tls.cert!.cert });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([...servers.values()].map(({ server }) => server.close()));
  });

  for (const { transport, name, url } of VARIANTS) {
    it(`${name}: the message arrives over relay candidates on stunnerd`, { timeout: 60_000 }, async (t) => {
      const { server, created } = servers.get(transport)!;
      const page = await browser.newPage();
      t.after(() => page.close());
      const toPeer = server.engine.stats.toPeerPackets;
      const message = `hello through stunnerd over ${name}`;
      const result = await page.evaluate(relayedCall, {
        iceServer: { urls: url(server.port), username: USERNAME, credential: PASSWORD },
        message,
        timeoutMs: PAGE_TIMEOUT_MS,
      });
      assert.equal(result.received, message);
      assert.ok(result.gathered.length >= 2, 'each peer gathered a candidate');
      assert.deepEqual(new Set(result.gathered), new Set(['relay']), 'relay candidates only');
      const relayed = new Set(created.flatMap((a) => a.relayed.map((r) => `${r.address}:${r.port}`)));
      for (const c of [result.local, result.remote]) {
        assert.equal(c.candidateType, 'relay');
        assert.ok(relayed.has(`${c.address}:${c.port}`), `${c.address}:${c.port} is one of stunnerd's relays`);
      }
      assert.equal(result.local.relayProtocol, transport, 'the browser reached stunnerd over this transport');
      assert.ok(created.length >= 2, 'one allocation per peer connection at least');
      assert.ok(created.every((a) => a.client.transport === transport));
      assert.ok(server.engine.stats.toPeerPackets > toPeer, 'stunnerd relayed the traffic');
    });
  }

  it('TURN-UDP with only the open route 0.0.0.0/0: the peer relay on loopback is refused (403), nothing relayed', {
    timeout: 60_000,
  }, async (t) => {
    // The hard deny keeps loopback closed unless a route names it (stunner-v1.md §1.10).
    const server = await startLoopbackTurn('udp', undefined, ['0.0.0.0/0']);
    t.after(() => server.close());
    const page = await browser.newPage();
    t.after(() => page.close());
    const call = page.evaluate(relayedCall, {
      iceServer: { urls: `turn:127.0.0.1:${server.port}?transport=udp`, username: USERNAME, credential: PASSWORD },
      message: 'must not arrive',
      timeoutMs: PAGE_TIMEOUT_MS,
    });
    // Settles when the page closes; what matters is what stunnerd did meanwhile.
    call.catch(() => {});
    let refusal: number[] | undefined;
    for await (const [, method, code] of on(server.engine, 'request-refused', {
      signal: AbortSignal.timeout(20_000),
    })) {
      if (code === 403) {
        refusal = [method, code];
        break;
      }
    }
    assert.deepEqual(refusal, [Method.CreatePermission, 403]);
    assert.equal(server.engine.stats.toPeerPackets, 0, 'nothing reached the other relay');
  });
});

/** Resolves once `count` lines of the child's stdout match `pattern`; rejects on exit or after `ms`. */
function waitForLines(child: ChildProcess, pattern: RegExp, count: number, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => done(new Error(`stunnerd printed no ${count} lines ${pattern} in ${ms} ms:\n${out}`)),
      ms,
    );
    const onExit = (code: number | null) => done(new Error(`stunnerd exited ${code}:\n${out}`));
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').filter((l) => pattern.test(l)).length >= count) done();
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

describe('Chromium DataChannel relayed by the stunnerd process (-c file://, one listener per transport)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stunnerd-browser-'));
  const cert = makeSelfSignedCert({ dir });
  const ports = new Map<TurnTransport, number>();
  let daemon: ChildProcess;
  /** stunnerd's log (stderr), shown when a call fails. */
  let daemonLog = '';
  let browser: Browser;

  before(async () => {
    for (const { transport } of VARIANTS) ports.set(transport, await freePort());
    const protocols = { udp: 'TURN-UDP', tcp: 'TURN-TCP', tls: 'TURN-TLS' } as const;
    const config = {
      version: 'v1',
      admin: { name: 'test/browser', healthcheck_endpoint: '' },
      auth: { type: 'static', realm: 'stunner.l7mp.io', credentials: { username: USERNAME, password: PASSWORD } },
      listeners: VARIANTS.map(({ transport }) => ({
        name: `test/browser/${transport}`,
        protocol: protocols[transport],
        address: '127.0.0.1',
        port: ports.get(transport),
        routes: ['test/loopback'],
        ...(transport === 'tls'
          ? { cert: Buffer.from(cert.cert).toString('base64'), key: Buffer.from(cert.key).toString('base64') }
          : {}),
      })),
      // Only a route that names 127.0.0.1/32 opens loopback, where both browser relays live.
      clusters: [{ name: 'test/loopback', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
    };
    const path = join(dir, 'stunnerd.json');
    writeFileSync(path, JSON.stringify(config));
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    daemon = spawn(process.execPath, [main, '-c', `file://${path}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stderr!.on('data', (d: Buffer) => {
      daemonLog += d.toString();
    });
    await waitForLines(daemon, /^stunnerd: listener test\/browser\//, VARIANTS.length);
    browser = await launchChromium({ trustCertPem: cert.cert });
  });

  after(async () => {
    await browser?.close();
    if (daemon && daemon.exitCode === null) {
      const exited = once(daemon, 'exit');
      daemon.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  for (const { transport, name, url } of VARIANTS) {
    it(`${name}: the message arrives over relay candidates on 127.0.0.1`, { timeout: 60_000 }, async (t) => {
      const page = await browser.newPage();
      t.after(() => page.close());
      const message = `hello through the stunnerd process over ${name}`;
      const result = await page
        .evaluate(relayedCall, {
          iceServer: { urls: url(ports.get(transport)!), username: USERNAME, credential: PASSWORD },
          message,
          timeoutMs: PAGE_TIMEOUT_MS,
        })
        .catch((err: Error) => {
          throw new Error(`${err.message}\nstunnerd log:\n${daemonLog.slice(-3000)}`);
        });
      assert.equal(result.received, message);
      assert.deepEqual(new Set(result.gathered), new Set(['relay']), 'relay candidates only');
      for (const c of [result.local, result.remote]) {
        assert.equal(c.candidateType, 'relay');
        assert.equal(c.address, '127.0.0.1', "the listener's address, advertised as the relayed address");
      }
      assert.equal(result.local.relayProtocol, transport, 'the browser reached stunnerd over this transport');
    });
  }
});
