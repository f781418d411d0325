// stunnerd run as a program inside a test's gateway namespace (packages/stunnerd/src/main.ts under
// `ip netns exec`), with a TURN-UDP listener, a STATIC cluster and the offload engine of the test.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Topology } from '../../../offload/test/netns.ts';

export const USER = 'offload';
export const PASS = 'offload-pass';
export const REALM = 'offload.test';
export const LISTENER = 'offload/udp';
export const CLUSTER = 'offload/peers';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

export interface Gateway {
  readonly pid: number;
  output(): string;
  /** Rewrites the config file (the daemon watches it) with other cluster endpoints. */
  setEndpoints(endpoints: string[]): void;
  /** Rewrites the config file with another `offload_engine`. */
  setEngine(engine: string): void;
  /** Waits until the daemon's output matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** The value of one metric line, e.g. `stunner_listener_packets_total{name="…",direction="rx"}`. */
  metric(name: string, labels: Record<string, string>): number;
  /** SIGTERM twice (drain, then close now); resolves when the process has exited. */
  stop(): Promise<void>;
}

export async function startGateway(
  topo: Topology,
  options: {
    listenAddress: string;
    endpoints: string[];
    engine: string;
    /** More TURN-UDP listeners on the same cluster, e.g. one on an IPv6 address for IPv6 relays. */
    extraListeners?: Array<{ name: string; address: string; port: number }>;
    /** Run without CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN and CAP_PERFMON (setpriv's bounding set). */
    dropCapabilities?: boolean;
  },
): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'offload-gw-'));
  const configPath = join(dir, 'stunnerd.json');
  let current = { endpoints: options.endpoints, engine: options.engine };
  const write = ({ endpoints, engine }: { endpoints: string[]; engine: string }) =>
    writeFileSync(
      configPath,
      JSON.stringify({
        version: 'v1',
        admin: {
          name: 'offload/stunnerd',
          healthcheck_endpoint: '',
          metrics_endpoint: 'http://127.0.0.1:8080/metrics',
          offload_engine: engine,
        },
        auth: { type: 'static', realm: REALM, credentials: { username: USER, password: PASS } },
        listeners: [
          { name: LISTENER, protocol: 'TURN-UDP', address: options.listenAddress, port: 3478, routes: [CLUSTER] },
          ...(options.extraListeners ?? []).map((l) => ({ ...l, protocol: 'TURN-UDP', routes: [CLUSTER] })),
        ],
        clusters: [{ name: CLUSTER, type: 'STATIC', endpoints }],
      }),
    );
  write(current);
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      topo.gateway,
      ...(options.dropCapabilities ? ['setpriv', '--bounding-set', '-bpf,-net_admin,-sys_admin,-perfmon'] : []),
      process.execPath,
      MAIN,
      '-l',
      'all:INFO',
      '-w',
      '-c',
      `file://${configPath}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    out = (out + d.toString()).slice(-65536);
    for (const w of waiters.splice(0)) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = async (re: RegExp, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(out)) {
      if (child.exitCode !== null) throw new Error(`stunnerd exited:\n${out.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`stunnerd printed no ${re} in ${timeoutMs} ms:\n${out.slice(-3000)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  const gw: Gateway = {
    pid: child.pid ?? -1,
    output: () => out,
    setEndpoints: (endpoints) => {
      current = { ...current, endpoints };
      write(current);
    },
    setEngine: (engine) => {
      current = { ...current, engine };
      write(current);
    },
    waitFor,
    metric: (name, labels) => {
      const text = execFileSync('ip', ['netns', 'exec', topo.gateway, 'curl', '-s', 'http://127.0.0.1:8080/metrics'], {
        encoding: 'utf8',
      });
      const want = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .sort();
      for (const line of text.split('\n')) {
        const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const have = m[2]!.split(',').sort();
        if (want.every((w) => have.includes(w))) return Number(m[3]);
      }
      return 0;
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 200));
        if (child.exitCode === null) child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(/config applied/);
  } catch (err) {
    await gw.stop();
    throw err;
  }
  return gw;
}
