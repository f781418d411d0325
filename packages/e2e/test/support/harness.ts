// What the system tests share: the README quickstart as the apiserver stores it, an in-process operator
// on loopback ports, a CDS watch that collects pushed configs, the programs a user runs (stunnerd,
// turncat, udp-greeter, the operator) and the steps a cluster's controllers would take (the test plays
// the cloud's load balancer).
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER, type StunnerConfig } from '@stunner/api';
import { createLogger } from '@stunner/log';
import { type OperatorOptions, type RunningOperator, startOperator } from '@stunner/operator/runtime';
import { type ApplyObject, type ControlPlane, type WatchedProcess, waitUntil, watchProcess } from '@stunner/testing';
import WebSocket from 'ws';
import { parseAllDocuments } from 'yaml';

/** The programs, started with the test's Node as `npm run <program>` would. */
const programOf = (pkg: string, file: string): string => fileURLToPath(new URL(file, import.meta.resolve(pkg)));
export const STUNNERD = programOf('@stunner/stunnerd', './main.ts');
export const OPERATOR = programOf('@stunner/operator', './main.ts');
const TURNCAT = programOf('@stunner/cli', './turncat.ts');
const UDP_GREETER = programOf('@stunner/cli', './udp-greeter.ts');

const quickstartPath = new URL('../../../../deploy/examples/quickstart.yaml', import.meta.url);

export interface QuickstartOptions {
  /** The Gateway's udp-listener port. Default 3478, as published. */
  listenerPort?: number;
  /** The GatewayConfig realm. Default stunner.l7mp.io, as published. */
  realm?: string;
  /** Merged into the Dataplane spec, e.g. `{ disableHealthCheck: true }`. */
  dataplane?: Record<string, unknown>;
}

/**
 * The quickstart objects (deploy/examples/quickstart.yaml) in namespace `ns`, the backend in
 * `${ns}-backend`. GatewayClass and Gateway use v1, the version Gateway API v1.x serves; GatewayConfig
 * stays v1alpha1 (still served, §2.4). The Service's ClusterIP is left to the apiserver.
 */
export function quickstart(ns: string, className: string, options: QuickstartOptions = {}): ApplyObject[] {
  const docs = parseAllDocuments(readFileSync(quickstartPath, 'utf8')).map((d) => d.toJS() as ApplyObject);
  const backendNs = `${ns}-backend`;
  return docs.map((o) => {
    const obj = structuredClone(o) as ApplyObject & { spec?: Record<string, unknown> };
    const spec = obj.spec ?? {};
    if (obj.kind === 'GatewayClass' || obj.kind === 'Gateway') obj.apiVersion = 'gateway.networking.k8s.io/v1';
    if (obj.kind === 'GatewayClass') {
      obj.metadata.name = className;
      (spec.parametersRef as { namespace: string }).namespace = ns;
    }
    if (obj.kind === 'Gateway') {
      spec.gatewayClassName = className;
      if (options.listenerPort !== undefined) (spec.listeners as { port: number }[])[0]!.port = options.listenerPort;
    }
    if (obj.kind === 'GatewayConfig' && options.realm !== undefined) spec.realm = options.realm;
    if (obj.kind === 'Dataplane') Object.assign(spec, options.dataplane);
    if (obj.metadata.namespace === 'stunner') obj.metadata.namespace = ns;
    if (obj.metadata.namespace === 'default') obj.metadata.namespace = backendNs;
    if (obj.kind === 'UDPRoute') {
      (spec.rules as { backendRefs: { namespace: string }[] }[])[0]!.backendRefs[0]!.namespace = backendNs;
    }
    if (obj.kind === 'Service') delete spec.clusterIP;
    return obj;
  });
}

export function namespace(name: string): ApplyObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** The quickstart's namespace and its backend namespace. */
export function quickstartNamespaces(ns: string): ApplyObject[] {
  return [namespace(ns), namespace(`${ns}-backend`)];
}

/**
 * Our GatewayClass `stunner-gatewayclass` with its GatewayConfig (`spec`) in `ns`, and the default
 * Dataplane without a health server (port 8086 is not ours to take on a shared machine).
 */
export function stunnerClass(ns: string, gatewayConfigSpec: Record<string, unknown>): ApplyObject[] {
  return [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'stunner-gatewayclass' },
      spec: {
        controllerName: DEFAULT_CONTROLLER_NAME,
        parametersRef: {
          group: 'stunner.l7mp.io',
          kind: 'GatewayConfig',
          name: 'stunner-gatewayconfig',
          namespace: ns,
        },
      },
    },
    {
      apiVersion: 'stunner.l7mp.io/v1',
      kind: 'GatewayConfig',
      metadata: { name: 'stunner-gatewayconfig', namespace: ns },
      spec: gatewayConfigSpec,
    },
    {
      apiVersion: 'stunner.l7mp.io/v1',
      kind: 'Dataplane',
      metadata: { name: 'default' },
      spec: { image: 'l7mp/stunnerd:latest', disableHealthCheck: true },
    },
  ];
}

/** turncat tunnelling stdin to `peer` through a Gateway listener (`<ns>/<gateway>:<listener>`) it learns from the CDS. */
export function turncatThroughGateway(cdsPort: number, listener: string, peer: string): WatchedProcess {
  return turncat(['-l', 'all:INFO', `--cds-server-address=127.0.0.1:${cdsPort}`, '-', `k8s://${listener}`, peer]);
}

/** The operator in this process, as `npm run operator` would run it, on loopback with fast throttling. */
export async function startTestOperator(
  cp: ControlPlane,
  over: Partial<OperatorOptions> = {},
): Promise<RunningOperator> {
  return startOperator({
    kubeconfig: cp.kubeconfig,
    controllerName: DEFAULT_CONTROLLER_NAME,
    dataplaneMode: 'managed',
    endpointDiscovery: true,
    useEndpointSlices: true,
    enableFinalizer: false,
    throttleMs: 20,
    cds: { host: '127.0.0.1', port: 0 },
    labelFilter: DEFAULT_LABEL_FILTER,
    logger: createLogger('operator', {
      spec: 'all:ERROR',
      output: (l) => {
        if (process.env.OPERATOR_TEST_LOG) process.stderr.write(l);
      },
    }),
    ...over,
  });
}

/**
 * Plays the cloud's load-balancer controller: once the operator has created the Gateway's Service,
 * gives it the ingress address `ip`.
 */
export async function exposeGateway(cp: ControlPlane, ns: string, gateway: string, ip: string): Promise<void> {
  const svcPath = `/api/v1/namespaces/${ns}/services/${gateway}`;
  await waitUntil(`the Service of Gateway ${ns}/${gateway}`, () => cp.request('GET', svcPath), 15_000);
  await cp.request(
    'PATCH',
    `${svcPath}/status`,
    { status: { loadBalancer: { ingress: [{ ip }] } } },
    'application/merge-patch+json',
  );
}

export interface ConfigWatch {
  /** Resolves with the first pushed config (including ones already received) that satisfies `pred`. */
  until(pred: (c: StunnerConfig) => boolean, timeoutMs?: number): Promise<StunnerConfig>;
  close(): void;
}

export async function watchConfig(cdsPort: number, id: string): Promise<ConfigWatch> {
  const ws = new WebSocket(`ws://127.0.0.1:${cdsPort}/api/v1/configs/${id}?watch=true`);
  const seen: StunnerConfig[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    seen.push(JSON.parse(d.toString()) as StunnerConfig);
    for (const w of waiters) w();
  });
  await once(ws, 'open');
  return {
    until(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        let from = 0;
        const check = (): boolean => {
          for (; from < seen.length; from++) {
            if (pred(seen[from]!)) {
              resolve(seen[from]!);
              return true;
            }
          }
          return false;
        };
        if (check()) return;
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`no matching config for ${id} within ${timeoutMs} ms; last: ${JSON.stringify(seen.at(-1))}`),
          );
        }, timeoutMs);
        const waiter = (): void => {
          if (check()) {
            clearTimeout(timer);
            waiters.delete(waiter);
          }
        };
        waiters.add(waiter);
      });
    },
    close: () => ws.close(),
  };
}

export interface Cond {
  type: string;
  status: string;
  reason: string;
  observedGeneration?: number;
}

export function condition(obj: { status?: { conditions?: Cond[] } }, type: string): Cond | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Runs the turncat program as a user would. */
export function turncat(args: string[]): WatchedProcess {
  return watchProcess(process.execPath, [TURNCAT, ...args], { name: 'turncat' });
}

/** The udp-greeter program on a free loopback port. */
export async function startGreeter(): Promise<{ port: number; process: WatchedProcess }> {
  const p = watchProcess(process.execPath, [UDP_GREETER, '--address', '127.0.0.1', '--port', '0'], {
    name: 'udp-greeter',
  });
  const [, port] = await p.waitFor(/udp-greeter listening on 127\.0\.0\.1:(\d+)/, { what: 'the greeter to listen' });
  return { port: Number(port), process: p };
}

export const GREETING = 'Greetings from STUNner!\n';

/**
 * Writes a line to turncat's stdin (tunnelled to the greeter) and waits until `times` greetings in all
 * came back; resolves with turncat's stdout for the test to assert on.
 */
export async function greet(p: WatchedProcess, times = 1): Promise<string> {
  p.child.stdin!.write('Hello STUNner\n');
  await p.waitFor(new RegExp(`(${GREETING.trimEnd()}\\n){${times}}`), {
    what: `greeting #${times} from the udp-greeter through the tunnel`,
  });
  return p.stdout();
}
