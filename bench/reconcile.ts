// `npm run bench -- reconcile [--json] [--gateways=N] [--throttle-ms=N]`: on a real kube-apiserver
// (packages/testing), the time from applying a Gateway change to the operator's CDS pushing the new
// config, p50/p99 over one change to each of N Gateways (default 100), back to back and isolated; then
// the time from a Gateway listener port change to a stunnerd process (watching that Gateway's config)
// serving the new port, over 20 isolated changes. At the default 250 ms throttle and at 10 ms.
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER, type StunnerConfig } from '@stunner/api';
import { createLogger } from '@stunner/log';
import { type RunningOperator, startOperator } from '@stunner/operator/runtime';
import {
  type ApplyObject,
  type ControlPlane,
  freePort,
  startControlPlane,
  waitUntil,
  watchProcess,
} from '@stunner/testing';
import WebSocket from 'ws';

const NS = 'bench';
const STUNNERD = fileURLToPath(new URL('./main.ts', import.meta.resolve('@stunner/stunnerd')));
const STUNNERD_SAMPLES = 20;

function arg(args: string[], name: string, dflt: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
}

function world(n: number): ApplyObject[] {
  const objs: ApplyObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'bench' },
      spec: {
        controllerName: DEFAULT_CONTROLLER_NAME,
        parametersRef: { group: 'stunner.l7mp.io', kind: 'GatewayConfig', name: 'cfg', namespace: NS },
      },
    },
    {
      apiVersion: 'stunner.l7mp.io/v1',
      kind: 'GatewayConfig',
      metadata: { name: 'cfg', namespace: NS },
      spec: { realm: 'stunner.l7mp.io', authType: 'static', userName: 'u', password: 'p' },
    },
    {
      apiVersion: 'stunner.l7mp.io/v1',
      kind: 'Dataplane',
      metadata: { name: 'default' },
      spec: { image: 'l7mp/stunnerd:latest' },
    },
  ];
  for (let i = 0; i < n; i++) objs.push(gateway(i, 3478));
  return objs;
}

function gateway(i: number, port: number): ApplyObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: `gw-${i}`, namespace: NS },
    spec: { gatewayClassName: 'bench', listeners: [{ name: 'udp', port, protocol: 'UDP' }] },
  };
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** One change to each Gateway, `paceMs` apart (0: back to back), timed until the CDS pushes it. */
async function measure(
  cp: ControlPlane,
  op: RunningOperator,
  n: number,
  basePort: number,
  paceMs: number,
): Promise<number[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${op.cdsAddress.port}/api/v1/configs/${NS}?watch=true`);
  let waiting: { id: string; port: number; resolve: () => void } | undefined;
  ws.on('message', (d) => {
    const c = JSON.parse(d.toString()) as StunnerConfig;
    if (waiting && c.admin.name === waiting.id && c.listeners[0]?.port === waiting.port) waiting.resolve();
  });
  await once(ws, 'open');
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const port = basePort + i;
    const pushed = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`gw-${i}: no push within 10 s`)), 10_000);
      waiting = {
        id: `${NS}/gw-${i}`,
        port,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
    });
    if (paceMs > 0) await delay(paceMs);
    const started = performance.now();
    await cp.apply([gateway(i, port)]);
    await pushed;
    samples.push(performance.now() - started);
  }
  ws.close();
  return samples.sort((a, b) => a - b);
}

/** Listener port changes of gw-0 until a stunnerd process watching its config announces the new port. */
async function measureStunnerd(
  cp: ControlPlane,
  op: RunningOperator,
  currentPort: number,
  paceMs: number,
): Promise<number[]> {
  const sd = watchProcess(process.execPath, [STUNNERD, '-w', '--id', `${NS}/gw-0`], {
    env: {
      ...process.env,
      STUNNER_CONFIG_ORIGIN: `http://127.0.0.1:${op.cdsAddress.port}`,
      STUNNER_ADDR: '127.0.0.1',
    },
  });
  try {
    await sd.waitFor(new RegExp(`port ${currentPort}:`), { timeoutMs: 20_000 });
    const samples: number[] = [];
    for (let i = 0; i < STUNNERD_SAMPLES; i++) {
      const port = await freePort();
      await delay(paceMs);
      const started = performance.now();
      await cp.apply([gateway(0, port)]);
      await sd.waitFor(new RegExp(`port ${port}:`), { timeoutMs: 10_000 });
      samples.push(performance.now() - started);
    }
    return samples.sort((a, b) => a - b);
  } finally {
    await sd.stop();
  }
}

export async function run(args: string[]): Promise<Record<string, number | string | boolean>> {
  const n = arg(args, 'gateways', 100);
  const started = performance.now();
  const cp = await startControlPlane();
  const controlPlaneStartMs = performance.now() - started;
  const result: Record<string, number | string | boolean> = {
    gateways: n,
    control_plane_start_ms: Math.round(controlPlaneStartMs),
  };
  try {
    await cp.apply(world(n));
    for (const [label, throttleMs] of [
      ['throttle_250ms', arg(args, 'throttle-ms', 250)],
      ['throttle_10ms', 10],
    ] as const) {
      const op = await startOperator({
        kubeconfig: cp.kubeconfig,
        controllerName: DEFAULT_CONTROLLER_NAME,
        dataplaneMode: 'managed',
        endpointDiscovery: true,
        useEndpointSlices: true,
        enableFinalizer: false,
        throttleMs,
        cds: { host: '127.0.0.1', port: 0 },
        labelFilter: DEFAULT_LABEL_FILTER,
        logger: createLogger('operator', { spec: 'all:ERROR' }),
      });
      try {
        await waitUntil('all configs served', () => (op.cds.configs().length === n ? true : undefined), 60_000);
        // Let the first render's writes (n Services, n Deployments, statuses) finish before timing.
        await waitUntil(
          'statuses written',
          async () => {
            const gws = await cp.request<{ items: { status?: { conditions?: unknown[] } }[] }>(
              'GET',
              `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways`,
            );
            return gws.items.every((g) => (g.status?.conditions?.length ?? 0) > 0) ? true : undefined;
          },
          60_000,
        );
        const basePort = label === 'throttle_10ms' ? 20000 : 10000;
        // Back to back, each change lands while the render of the previous one (or of the writes it caused)
        // holds the throttle; isolated, after a quiet spell of twice the throttle, it renders at once.
        const round = (v: number) => Math.round(v * 10) / 10;
        const burst = await measure(cp, op, n, basePort, 0);
        result[`${label}_cds_burst_p50_ms`] = round(pct(burst, 50));
        result[`${label}_cds_burst_p99_ms`] = round(pct(burst, 99));
        const isolated = await measure(cp, op, n, basePort + 1000, 2 * throttleMs);
        result[`${label}_cds_isolated_p50_ms`] = round(pct(isolated, 50));
        result[`${label}_cds_isolated_p99_ms`] = round(pct(isolated, 99));
        const sd = await measureStunnerd(cp, op, basePort + 1000, 2 * throttleMs);
        result[`${label}_stunnerd_isolated_p50_ms`] = round(pct(sd, 50));
        result[`${label}_stunnerd_isolated_p99_ms`] = round(pct(sd, 99));
      } finally {
        await op.stop();
      }
    }
  } finally {
    await cp.stop();
  }
  result.stunnerd_samples = STUNNERD_SAMPLES;
  return result;
}
