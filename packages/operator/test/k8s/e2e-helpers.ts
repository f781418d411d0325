// Shared setup of the operator's end-to-end tests: the README quickstart as the apiserver stores it,
// an in-process operator on loopback ports, and a CDS watch that collects pushed configs.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER, type StunnerConfig } from '@stunner/api';
import { createLogger } from '@stunner/log';
import type { ApplyObject, ControlPlane } from '@stunner/testing';
import WebSocket from 'ws';
import { parseAllDocuments } from 'yaml';
import { type OperatorOptions, type RunningOperator, startOperator } from '../../src/runtime/operator.ts';

const quickstartPath = new URL('../../../../deploy/examples/quickstart.yaml', import.meta.url);

/**
 * The quickstart objects in namespace `ns` (backend in `${ns}-backend`). GatewayClass and Gateway use v1, the
 * version Gateway API v1.x serves; GatewayConfig stays v1alpha1 (still served, §2.4). The Service's
 * ClusterIP is left to the apiserver.
 */
export function quickstart(ns: string, className: string): ApplyObject[] {
  const docs = parseAllDocuments(readFileSync(quickstartPath, 'utf8')).map((d) => d.toJS() as ApplyObject);
  const backendNs = `${ns}-backend`;
  return docs.map((o) => {
    const obj = structuredClone(o) as ApplyObject & { spec?: Record<string, unknown> };
    if (obj.kind === 'GatewayClass' || obj.kind === 'Gateway') obj.apiVersion = 'gateway.networking.k8s.io/v1';
    if (obj.kind === 'GatewayClass') {
      obj.metadata.name = className;
      (obj.spec!.parametersRef as { namespace: string }).namespace = ns;
    }
    if (obj.kind === 'Gateway') obj.spec!.gatewayClassName = className;
    if (obj.metadata.namespace === 'stunner') obj.metadata.namespace = ns;
    if (obj.metadata.namespace === 'default') obj.metadata.namespace = backendNs;
    if (obj.kind === 'UDPRoute') {
      (obj.spec!.rules as { backendRefs: { namespace: string }[] }[])[0]!.backendRefs[0]!.namespace = backendNs;
    }
    if (obj.kind === 'Service') delete (obj.spec as { clusterIP?: string }).clusterIP;
    return obj;
  });
}

export function namespace(name: string): ApplyObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export async function startTestOperator(
  cp: ControlPlane,
  over: Partial<OperatorOptions> = {},
): Promise<RunningOperator> {
  const lines: string[] = [];
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
        lines.push(l);
        if (process.env.OPERATOR_TEST_LOG) process.stderr.write(l);
      },
    }),
    ...over,
  });
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
