// The soak run behind `npm run soak` and its bounded test: `allocations` clients, each from its own
// loopback source address (127.2.x.y onwards), allocate, hold a permission and a channel to an echo
// peer, refresh all three on schedule and relay ChannelData at a low rate, for `seconds`; then close.
// Figures: allocations lost, refresh failures, echo loss, the server's resident memory over time (flat
// after warm-up?), file descriptors, event-loop delay p99 (stunnerd's prom-client default metrics),
// and how much memory comes back once every allocation is closed.
import { createSocket } from 'node:dgram';
import { Lifetime } from '@stunner/stun';
import { freePort, freeUdpPortPair } from '@stunner/testing';
import { code, ok, RawTurnClient } from '../packages/stunnerd/test/support/raw-turn-client.ts';
import { metricValue, startStunnerd } from '../packages/stunnerd/test/support/stunnerd-process.ts';
import { openFds, rssKiB } from './_proc.ts';

export interface SoakOptions {
  server: 'stunnerd' | 'coturn';
  allocations: number;
  seconds: number;
  /** ChannelData packets per second per allocation. */
  rate: number;
  /** Refresh the allocation this often (s); permissions and channels are re-bound every 2×. */
  refreshEvery: number;
  /** Allocations set up at once during the ramp. */
  concurrency: number;
  /** Seconds after the ramp before memory counts as warmed up. */
  warmup: number;
  sampleEvery: number;
  log?: (line: string) => void;
}

export interface SoakSample {
  t: number;
  rssKiB: number;
  fds: number;
  eventLoopP99Ms: number | undefined;
  active: number | undefined;
}

export interface SoakReport {
  server: string;
  allocations: number;
  seconds: number;
  setupFailures: number;
  allocationsLost: number;
  refreshes: number;
  refreshFailures: number;
  /** The failures by kind: the error code answered, or `unanswered` when no retransmission got one. */
  refreshFailureKinds: string;
  echoSent: number;
  echoReceived: number;
  rssBaselineKiB: number;
  rssWarmMeanKiB: number;
  /** Largest deviation of a warmed-up sample from their mean, in %. */
  rssWarmDeviationPct: number;
  rssPeakKiB: number;
  rssAfterCloseKiB: number;
  /** Share of the growth over the baseline given back after closing, in %. */
  memoryReturnedPct: number;
  fdsBaseline: number;
  fdsPeak: number;
  fdsAfterClose: number;
  eventLoopP99MaxMs: number | undefined;
  activeAfterClose: number | undefined;
  samples: SoakSample[];
}

interface Client {
  c: RawTurnClient;
  alive: boolean;
  timers: NodeJS.Timeout[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SOURCE_BASE = 2 << 16;
const source = (i: number) => {
  const n = SOURCE_BASE + i + 1;
  return `127.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`;
};

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const log = o.log ?? (() => {});
  // The echo peer: every datagram goes back to the relay it came from.
  const peer = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  peer.on('message', (m, r) => peer.send(m, r.port, r.address));
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  const peerAddr = { family: 'IPv4' as const, address: '127.0.0.1', port: peer.address().port };

  let port: number;
  let pid: number;
  let metrics: (() => Promise<string>) | undefined;
  let stop: () => Promise<void>;
  let username = 'user';
  let password = 'pass';
  if (o.server === 'stunnerd') {
    const [p, m] = [await freeUdpPortPair(), await freePort()];
    const d = await startStunnerd(
      { listeners: [{ name: 'udp', protocol: 'TURN-UDP', port: p }], endpoints: ['127.0.0.1/32'], metricsPort: m },
      ['-l', 'all:WARN'],
    );
    [port, pid, metrics, stop] = [p, d.child.pid!, d.metrics, d.kill];
  } else {
    // Loaded only here: the stunnerd soak (and its test) needs no coturn.
    const { PASS, startServer, USER } = await import('./_servers.ts');
    const s = await startServer('coturn');
    [port, pid, stop, username, password] = [s.port, s.proc.pid, () => s.proc.stop(), USER, PASS];
  }

  const samples: SoakSample[] = [];
  const t0 = Date.now();
  const sample = async (): Promise<SoakSample> => {
    const text = metrics ? await metrics().catch(() => '') : '';
    const lag = metricValue(text, 'nodejs_eventloop_lag_p99_seconds');
    const s: SoakSample = {
      t: Math.round((Date.now() - t0) / 1000),
      rssKiB: rssKiB(pid),
      fds: openFds(pid),
      eventLoopP99Ms: lag === undefined ? undefined : Math.round(lag * 1e4) / 10,
      active: metricValue(text, 'stunner_allocations_active'),
    };
    samples.push(s);
    log(`t=${s.t}s rss=${s.rssKiB} KiB fds=${s.fds} loop-p99=${s.eventLoopP99Ms ?? '-'} ms active=${s.active ?? '-'}`);
    return s;
  };
  const baseline = await sample();

  let setupFailures = 0;
  let allocationsLost = 0;
  let refreshes = 0;
  let refreshFailures = 0;
  const failureKinds = new Map<string, number>();
  const failed = (res: Awaited<ReturnType<RawTurnClient['request']>>) => {
    refreshFailures++;
    const kind = res === undefined ? 'unanswered' : String(code(res) ?? 'unknown');
    failureKinds.set(kind, (failureKinds.get(kind) ?? 0) + 1);
  };
  let echoSent = 0;
  let echoReceived = 0;
  const clients: Client[] = [];
  const rfc = { rtoMs: 500, tries: 7 };
  const payload = Buffer.alloc(100, 0x61);

  const schedule = (cl: Client) => {
    const jitter = () => Math.random() * o.refreshEvery * 200;
    const refresh = async () => {
      if (!cl.alive) return;
      refreshes++;
      const res = await cl.c.request(0x004, (b) => b.add(Lifetime, 600), rfc);
      if (code(res) === 437) {
        allocationsLost++;
        cl.alive = false;
        return;
      }
      if (!ok(res)) failed(res);
      cl.timers.push(setTimeout(refresh, o.refreshEvery * 1000 - jitter()));
    };
    const rebind = async () => {
      if (!cl.alive) return;
      refreshes++;
      const bound = await cl.c.channelBind(0x4000, peerAddr);
      if (!ok(bound)) failed(bound);
      cl.timers.push(setTimeout(rebind, o.refreshEvery * 2000 - jitter()));
    };
    const send = () => {
      if (!cl.alive) return;
      echoSent++;
      cl.c.channelData(0x4000, payload);
      cl.timers.push(setTimeout(send, (1000 / o.rate) * (0.5 + Math.random())));
    };
    cl.timers.push(setTimeout(refresh, o.refreshEvery * 1000 - jitter()));
    cl.timers.push(setTimeout(rebind, o.refreshEvery * 2000 - jitter()));
    cl.timers.push(setTimeout(send, (1000 / o.rate) * Math.random()));
  };

  // Ramp: `concurrency` set-ups in flight.
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(o.concurrency, o.allocations) }, async () => {
      while (next < o.allocations) {
        const i = next++;
        const c = new RawTurnClient({ port, local: source(i), username, password });
        await c.open();
        const cl: Client = { c, alive: false, timers: [] };
        c.onData = () => echoReceived++;
        clients.push(cl);
        const a = await c.allocate(600, rfc);
        if (!ok(a) || !ok(await c.createPermission(peerAddr)) || !ok(await c.channelBind(0x4000, peerAddr))) {
          setupFailures++;
          continue;
        }
        cl.alive = true;
        schedule(cl);
      }
    }),
  );
  const rampEnd = Date.now();
  log(`ramp: ${o.allocations} allocations in ${((rampEnd - t0) / 1000).toFixed(1)} s, ${setupFailures} failed`);

  const end = t0 + o.seconds * 1000;
  while (Date.now() < end) {
    await sleep(Math.min(o.sampleEvery * 1000, Math.max(0, end - Date.now())));
    await sample();
  }
  const heldAtEnd = samples.at(-1)!.active;

  // Close: Refresh LIFETIME 0 for each, timers stopped first.
  for (const cl of clients) for (const t of cl.timers) clearTimeout(t);
  let closing = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (closing < clients.length) {
        const cl = clients[closing++]!;
        if (cl.alive) await cl.c.refresh(0);
        cl.c.close();
      }
    }),
  );
  await sleep(3000);
  const after = await sample();
  await stop();
  peer.close();

  const warm = samples.filter((s) => s.t * 1000 >= rampEnd - t0 + o.warmup * 1000 && s !== after);
  const mean = warm.length ? warm.reduce((a, s) => a + s.rssKiB, 0) / warm.length : Number.NaN;
  const dev = warm.length ? Math.max(...warm.map((s) => Math.abs(s.rssKiB - mean) / mean)) * 100 : Number.NaN;
  const peak = Math.max(...samples.map((s) => s.rssKiB));
  const lags = samples.map((s) => s.eventLoopP99Ms).filter((x): x is number => x !== undefined);
  if (heldAtEnd !== undefined && heldAtEnd !== o.allocations - setupFailures - allocationsLost) {
    // The server holds fewer than the clients think they hold: those were lost without a 437 yet.
    allocationsLost += o.allocations - setupFailures - allocationsLost - heldAtEnd;
  }
  return {
    server: o.server,
    allocations: o.allocations,
    seconds: o.seconds,
    setupFailures,
    allocationsLost,
    refreshes,
    refreshFailures,
    refreshFailureKinds: [...failureKinds].map(([k, n]) => `${k}:${n}`).join(',') || 'none',
    echoSent,
    echoReceived,
    rssBaselineKiB: baseline.rssKiB,
    rssWarmMeanKiB: Math.round(mean),
    rssWarmDeviationPct: Math.round(dev * 10) / 10,
    rssPeakKiB: peak,
    rssAfterCloseKiB: after.rssKiB,
    memoryReturnedPct: Math.round(((peak - after.rssKiB) / Math.max(1, peak - baseline.rssKiB)) * 1000) / 10,
    fdsBaseline: baseline.fds,
    fdsPeak: Math.max(...samples.map((s) => s.fds)),
    fdsAfterClose: after.fds,
    eventLoopP99MaxMs: lags.length ? Math.max(...lags) : undefined,
    activeAfterClose: after.active,
    samples,
  };
}
