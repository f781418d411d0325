// `npm run bench -- offload [--json] [--quick] [--servers=offload,userspace,coturn]` (root only)
// stunnerd with the TC offload, stunnerd relaying in userspace, and coturn, each in the gateway
// namespace of a client / gateway / peer topology over veth pairs (packages/offload/test/netns.ts):
// turnutils_uclient in the client namespace, turnutils_peer in the peer namespace, a fresh server per
// run. Per run: loss, RTT, and CPU per relayed packet (= CPU / (2 × received)) counted three ways:
//  - server: the server process's user + system time (/proc/<pid>/stat);
//  - bpf: the TC program's own run time (kernel.bpf_stats_enabled, run_time_ns), which no process
//    is charged for: offloaded packets are relayed in softirq;
//  - system: every CPU's busy time (/proc/stat: user, nice, system, irq, softirq, steal) over the run:
//    the client, the peer, the kernel's whole path through the three namespaces and whatever else the
//    machine ran meanwhile (it is shared), the same way for every server.
// gateway = server + bpf is the gateway's own cost; its ratio to coturn's server CPU is the figure of
// the goal (≤ 0.3×). softirq is /proc/stat's softirq column alone, system-wide. Receive-buffer
// drops in the client's and the peer's namespaces say which lost packets the endpoints dropped.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureToolchain, programObject } from '../packages/offload/src/index.ts';
import {
  canMakeNamespaces,
  GATEWAY_CLIENT_IP,
  GATEWAY_PEER_IP,
  makeTopology,
  PEER_IP,
  type Topology,
} from '../packages/offload/test/netns.ts';
import { type Gateway, PASS, REALM, startGateway, USER } from '../packages/stunnerd/test/offload/gateway.ts';
import { coturnArgs } from './_coturn-args.ts';
import { cpuTimes, rssKiB, runBounded, type Spawned, spawnUntil } from './_proc.ts';
import type { BenchResult } from './run.ts';

type Server = 'offload' | 'userspace' | 'coturn';
const SERVERS: Server[] = ['offload', 'userspace', 'coturn'];

const FULL = [
  { args: '-c -m 10 -n 5000 -l 1000 -z 1', timeoutS: 90 },
  { args: '-c -m 50 -n 5000 -l 1000 -z 1', timeoutS: 120 },
  { args: '-c -m 300 -n 500 -l 172', timeoutS: 180 },
];
const QUICK = [
  { args: '-c -m 10 -n 1000 -l 1000 -z 1', timeoutS: 60 },
  { args: '-c -m 30 -n 200 -l 172', timeoutS: 60 },
];

/** Busy and softirq jiffies of all CPUs (/proc/stat `cpu` line; USER_HZ = 100). */
function systemCpu(): { busy: number; softirq: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return { busy: (user + nice + system + irq + softirq + steal) / 100, softirq: softirq / 100 };
}

/** Run time and runs of the TC program attached in the gateway namespace (kernel.bpf_stats_enabled=1). */
function bpfRunTime(topo: Topology): { ns: number; runs: number } {
  try {
    const filters = execFileSync(
      'ip',
      [...topo.exec(topo.gateway).slice(1), 'tc', 'filter', 'show', 'dev', 'gw-c', 'ingress'],
      {
        encoding: 'utf8',
      },
    );
    const id = /turn_offload.* id (\d+)/.exec(filters)?.[1];
    if (id === undefined) return { ns: 0, runs: 0 };
    const p = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'id', id], { encoding: 'utf8' })) as {
      run_time_ns?: number;
      run_cnt?: number;
    };
    return { ns: p.run_time_ns ?? 0, runs: p.run_cnt ?? 0 };
  } catch {
    return { ns: 0, runs: 0 };
  }
}

interface Running {
  readonly pid: number;
  stop(): Promise<void>;
}

async function startCoturn(topo: Topology): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-offload-coturn-'));
  const proc: Spawned = await spawnUntil(
    'ip',
    [
      ...topo.exec(topo.gateway).slice(1),
      'turnserver',
      ...coturnArgs({
        listeningIp: GATEWAY_CLIENT_IP,
        relayIp: GATEWAY_PEER_IP,
        port: 3478,
        minPort: 46000,
        maxPort: 49999,
        user: USER,
        pass: PASS,
        realm: REALM,
        loopbackPeers: false,
        dir,
      }),
    ],
    /Total General servers/,
    15_000,
  );
  await new Promise((r) => setTimeout(r, 500));
  return {
    pid: proc.pid,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startServer(topo: Topology, server: Server): Promise<Running> {
  if (server === 'coturn') return startCoturn(topo);
  const gw: Gateway = await startGateway(topo, {
    listenAddress: GATEWAY_CLIENT_IP,
    endpoints: [`${PEER_IP}/32`],
    engine: server === 'offload' ? 'TC' : 'None',
  });
  if (server === 'offload') await gw.waitFor(/TC program attached/);
  return { pid: gw.pid, stop: () => gw.stop() };
}

interface Figures {
  loss_pct: number;
  rtt_ms: number;
  server_us: number;
  bpf_us: number;
  gateway_us: number;
  softirq_us: number;
  system_us: number;
  rss_mib: number;
  recv: number;
  /** UDP receive-buffer drops in the client's and the peer's namespaces: where lost packets went. */
  rcvbuf_drops_client: number;
  rcvbuf_drops_peer: number;
}

async function runOne(topo: Topology, server: Server, args: string, timeoutS: number): Promise<Figures> {
  const srv = await startServer(topo, server);
  try {
    const client0 = topo.udpCounters(topo.client).RcvbufErrors ?? 0;
    const peer0 = topo.udpCounters(topo.peer).RcvbufErrors ?? 0;
    const cpu0 = cpuTimes(srv.pid);
    const sys0 = systemCpu();
    const bpf0 = bpfRunTime(topo);
    const r = await runBounded(
      'ip',
      [
        ...topo.exec(topo.client).slice(1),
        'turnutils_uclient',
        '-u',
        USER,
        '-w',
        PASS,
        '-e',
        PEER_IP,
        ...args.split(' '),
        GATEWAY_CLIENT_IP,
      ],
      timeoutS * 1000,
    );
    const cpu1 = cpuTimes(srv.pid);
    const sys1 = systemCpu();
    const bpf1 = bpfRunTime(topo);
    const rss = rssKiB(srv.pid);
    const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\n/.exec(r.output);
    const rtt = /Average round trip delay ([\d.]+) ms/.exec(r.output);
    const sent = Number(totals?.[1] ?? 0);
    const recv = Number(totals?.[2] ?? 0);
    const relayed = 2 * recv;
    const per = (seconds: number) => (relayed > 0 ? (seconds * 1e6) / relayed : Number.NaN);
    const server_us = per(cpu1.user + cpu1.system - cpu0.user - cpu0.system);
    const bpf_us = per((bpf1.ns - bpf0.ns) / 1e9);
    return {
      loss_pct: sent > 0 ? ((sent - recv) / sent) * 100 : 100,
      rtt_ms: Number(rtt?.[1] ?? Number.NaN),
      server_us,
      bpf_us,
      gateway_us: server_us + bpf_us,
      softirq_us: per(sys1.softirq - sys0.softirq),
      system_us: per(sys1.busy - sys0.busy),
      rss_mib: rss / 1024,
      recv,
      rcvbuf_drops_client: (topo.udpCounters(topo.client).RcvbufErrors ?? 0) - client0,
      rcvbuf_drops_peer: (topo.udpCounters(topo.peer).RcvbufErrors ?? 0) - peer0,
    };
  } finally {
    await srv.stop();
  }
}

const round = (x: number, d = 2) => (Number.isFinite(x) ? Number(x.toFixed(d)) : Number.NaN);

export async function run(args: string[]): Promise<BenchResult> {
  if (!canMakeNamespaces()) return { skipped: 'needs root and iproute2 (network namespaces)' };
  const missing = ensureToolchain(true);
  if (missing) return { skipped: `offload toolchain missing: ${missing}` };
  programObject();
  const rows = args.includes('--quick') ? QUICK : FULL;
  const only = args
    .find((a) => a.startsWith('--servers='))
    ?.slice('--servers='.length)
    .split(',');
  const servers = only ? SERVERS.filter((s) => only.includes(s)) : SERVERS;
  const statsBefore = execFileSync('sysctl', ['-n', 'kernel.bpf_stats_enabled'], { encoding: 'utf8' }).trim();
  execFileSync('sysctl', ['-qw', 'kernel.bpf_stats_enabled=1']);
  const topo = makeTopology('bench');
  const peer = spawn('ip', [...topo.exec(topo.peer).slice(1), 'turnutils_peer', '-L', PEER_IP, '-p', '3480'], {
    stdio: 'ignore',
  });
  const out: BenchResult = {};
  try {
    await new Promise((r) => setTimeout(r, 300));
    for (const [i, row] of rows.entries()) {
      const figures = new Map<Server, Figures>();
      for (const server of servers) {
        const f = await runOne(topo, server, row.args, row.timeoutS);
        figures.set(server, f);
        for (const [k, v] of Object.entries(f)) out[`row${i}.${server}.${k}`] = round(v);
        process.stderr.write(
          `${row.args} | ${server}: loss ${round(f.loss_pct)} %, rtt ${round(f.rtt_ms, 3)} ms, server ${round(f.server_us)} µs/pkt, bpf ${round(f.bpf_us, 3)}, gateway ${round(f.gateway_us)}, softirq ${round(f.softirq_us)}, system ${round(f.system_us)}, rss ${round(f.rss_mib, 1)} MiB, rcvbuf drops client ${f.rcvbuf_drops_client} peer ${f.rcvbuf_drops_peer}\n`,
        );
      }
      out[`row${i}.args`] = row.args;
      const coturn = figures.get('coturn');
      if (coturn) {
        for (const [server, f] of figures) {
          if (server === 'coturn') continue;
          out[`row${i}.${server}.gateway_vs_coturn_server`] = round(f.gateway_us / coturn.server_us);
          // The offload's per-packet (marginal) cost: its server CPU is the control plane and idle timers.
          if (server === 'offload') out[`row${i}.offload.bpf_vs_coturn_server`] = round(f.bpf_us / coturn.server_us);
          out[`row${i}.${server}.system_vs_coturn_system`] = round(f.system_us / coturn.system_us);
        }
      }
    }
  } finally {
    peer.kill('SIGKILL');
    topo.destroy();
    execFileSync('sysctl', ['-qw', `kernel.bpf_stats_enabled=${statsBefore}`]);
  }
  return out;
}
