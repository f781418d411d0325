// Finding STUNner's parts through Kubernetes (stunner-v1.md §0, §1.6, §4): the CDS is the operator pod
// labelled stunner.l7mp.io/config-discovery-service=enabled, authd pods are app=stunner-auth, stunnerd
// pods are app=stunner with the related-gateway labels. Outside the cluster they are reached through the
// API server's port-forward; in the cluster at their pod IP. An explicit address skips all of this.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import {
  LABEL_APP,
  LABEL_APP_VALUE,
  LABEL_CDS,
  LABEL_RELATED_GATEWAY_NAME,
  LABEL_RELATED_GATEWAY_NAMESPACE,
} from '@stunner/api';
import type { ConditionView, ObjectStatus } from '@stunner/dashboard';
import type { Logger } from '@stunner/log';
import { KubeRest } from '@stunner/operator/runtime';
import { causeMessage, StunnerctlError } from './errors.ts';
import { PortForwarder } from './port-forward.ts';

/** authd pods' label (stunner-v1.md §0). */
export const AUTH_APP_LABEL_VALUE = 'stunner-auth';
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  /** Prefix of the service-account mount a pod has at /var/run/secrets/…; '' (the default) in a pod. */
  serviceAccountPrefix?: string;
}

export interface PodInfo {
  namespace: string;
  name: string;
  podIP?: string;
  labels: Record<string, string>;
}

/** How a discovered (or given) service is reached: `host:port`, and a name for messages. */
export interface Reached {
  address: string;
  /** `ns/pod` when discovered, else the address. */
  label: string;
}

interface PodList {
  items: {
    metadata: { name: string; namespace: string; labels?: Record<string, string>; deletionTimestamp?: string };
    status?: { phase?: string; podIP?: string };
  }[];
}

export function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class Discovery {
  readonly #flags: KubeFlags;
  readonly #log: Logger;
  readonly #forwarders: PortForwarder[] = [];
  #kc: KubeConfig | undefined;
  #inCluster = false;

  constructor(flags: KubeFlags, log: Logger) {
    this.#flags = flags;
    this.#log = log;
  }

  /** --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else the pod's service account. */
  kubeConfig(): KubeConfig {
    if (this.#kc) return this.#kc;
    const kc = new KubeConfig();
    const home = join(homedir(), '.kube', 'config');
    const prefix = this.#flags.serviceAccountPrefix ?? '';
    try {
      if (this.#flags.kubeconfig) kc.loadFromFile(this.#flags.kubeconfig);
      else if (process.env.KUBECONFIG || existsSync(home)) kc.loadFromDefault();
      else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(`${prefix}${SERVICE_ACCOUNT_TOKEN}`)) {
        kc.loadFromCluster(prefix);
        this.#inCluster = true;
      } else {
        throw new Error('no --kubeconfig, no $KUBECONFIG, no ~/.kube/config and not running in a pod');
      }
      if (this.#flags.context) kc.setCurrentContext(this.#flags.context);
      if (!kc.getCurrentCluster()) throw new Error(`context "${kc.getCurrentContext()}" names no cluster`);
    } catch (cause) {
      throw new StunnerctlError(
        'STUNNERCTL_ERR_KUBECONFIG',
        `cannot load a kubeconfig (${causeMessage(cause)}): pass --kubeconfig or set $KUBECONFIG, or give the address explicitly`,
        { cause },
      );
    }
    this.#kc = kc;
    return kc;
  }

  /** Live pods with all of `labels`, in `namespace` or in every namespace. */
  async findPods(labels: Record<string, string>, namespace?: string): Promise<PodInfo[]> {
    const rest = new KubeRest(this.kubeConfig(), 10_000);
    const base = namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods` : '/api/v1/pods';
    let list: PodList;
    try {
      list = await rest.get<PodList>(`${base}?labelSelector=${encodeURIComponent(selector(labels))}`);
    } catch (cause) {
      throw new StunnerctlError(
        'STUNNERCTL_ERR_DISCOVERY',
        `cannot list pods ${selector(labels)} through the API server (${causeMessage(cause)}): check the kubeconfig and your rights to list pods`,
        { cause },
      );
    }
    return list.items
      .filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
      .map((p) => ({
        namespace: p.metadata.namespace,
        name: p.metadata.name,
        ...(p.status?.podIP ? { podIP: p.status.podIP } : {}),
        labels: p.metadata.labels ?? {},
      }))
      .sort((a, b) => {
        const [x, y] = [`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`];
        return x < y ? -1 : x > y ? 1 : 0;
      });
  }

  /** The pod's port: at its IP in the cluster, else through a port-forward kept until close(). */
  async reach(pod: PodInfo, port: number): Promise<Reached> {
    const label = `${pod.namespace}/${pod.name}`;
    if (this.#inCluster && pod.podIP) return { address: joinHostPort(pod.podIP, port), label };
    const fwd = new PortForwarder(this.kubeConfig(), pod, port, this.#log);
    this.#forwarders.push(fwd);
    const local = await fwd.start();
    return { address: joinHostPort(local.host, local.port), label };
  }

  async close(): Promise<void> {
    await Promise.all(this.#forwarders.map((f) => f.close()));
  }

  /** The CDS server (§1.6 DiscoverK8sCDSServer): exactly one operator pod must carry the label. */
  async findCds(namespace: string | undefined): Promise<PodInfo> {
    const labels = { [LABEL_CDS]: 'enabled' };
    const pods = await this.findPods(labels, namespace);
    const where = namespace ? ` in namespace ${namespace}` : '';
    if (pods.length === 0) {
      throw new StunnerctlError(
        'STUNNERCTL_ERR_DISCOVERY',
        `no config discovery service found: no pod labelled ${selector(labels)}${where}; is the STUNner operator running? (or give --cds-server-address)`,
      );
    }
    if (pods.length > 1) {
      throw new StunnerctlError(
        'STUNNERCTL_ERR_DISCOVERY',
        `more than one config discovery service found (${pods.map((p) => `${p.namespace}/${p.name}`).join(', ')}): choose with --cds-server-namespace or --cds-server-address`,
      );
    }
    return pods[0]!;
  }

  /** An authd pod (app=stunner-auth); replicas answer alike, so the first is taken. */
  async findAuth(namespace: string | undefined): Promise<PodInfo> {
    const labels = { [LABEL_APP]: AUTH_APP_LABEL_VALUE };
    const pods = await this.findPods(labels, namespace);
    if (pods.length === 0) {
      throw new StunnerctlError(
        'STUNNERCTL_ERR_DISCOVERY',
        `no auth service found: no pod labelled ${selector(labels)}${namespace ? ` in namespace ${namespace}` : ''}; is authd installed? (or give --auth-server-address)`,
      );
    }
    return pods[0]!;
  }

  /**
   * The Gateways and UDPRoutes (STUNner's and Gateway API v1alpha2's, as the operator watches both), in
   * `namespace` or everywhere, with the statuses the operator wrote, for the dashboard. A route's
   * conditions are its parents' (status.parents[].conditions). A route kind whose CRD is not installed
   * is skipped.
   */
  async listStatuses(namespace: string | undefined): Promise<ObjectStatus[]> {
    const rest = new KubeRest(this.kubeConfig(), 10_000);
    const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    type Item = Omit<ObjectStatus, 'kind'> & { status?: { parents?: { conditions?: ConditionView[] }[] } };
    const out: ObjectStatus[] = [];
    for (const [kind, path, optional] of [
      ['Gateway', `/apis/gateway.networking.k8s.io/v1${ns}/gateways`, false],
      ['UDPRoute', `/apis/stunner.l7mp.io/v1${ns}/udproutes`, true],
      ['UDPRoute', `/apis/gateway.networking.k8s.io/v1alpha2${ns}/udproutes`, true],
    ] as const) {
      let list: { items: Item[] };
      try {
        list = await rest.get<{ items: Item[] }>(path);
      } catch (err) {
        if (optional) continue;
        throw err;
      }
      for (const item of list.items) {
        const parents = item.status?.parents;
        const conditions = item.status?.conditions ?? parents?.flatMap((p) => p.conditions ?? []);
        out.push({ ...item, kind, status: { ...item.status, ...(conditions ? { conditions } : {}) } });
      }
    }
    return out;
  }

  /** stunnerd pods of a gateway, of a namespace's gateways (`gateway` undefined), or of all (`namespace` too). */
  async findStunnerds(
    namespace: string | undefined,
    gateway: string | undefined,
    podName?: string,
  ): Promise<PodInfo[]> {
    const labels: Record<string, string> = { [LABEL_APP]: LABEL_APP_VALUE };
    if (namespace !== undefined) labels[LABEL_RELATED_GATEWAY_NAMESPACE] = namespace;
    if (gateway !== undefined) labels[LABEL_RELATED_GATEWAY_NAME] = gateway;
    let pods = await this.findPods(labels, namespace);
    if (podName !== undefined) pods = pods.filter((p) => p.name === podName);
    if (pods.length === 0) {
      const what =
        gateway !== undefined
          ? `gateway ${namespace}/${gateway}`
          : namespace
            ? `namespace ${namespace}`
            : 'any namespace';
      throw new StunnerctlError(
        'STUNNERCTL_ERR_DISCOVERY',
        `no stunnerd pod found for ${what} (labels ${selector(labels)}${podName ? `, name ${podName}` : ''}): check the Gateway name and -n (or give --pod-address)`,
      );
    }
    return pods;
  }
}
