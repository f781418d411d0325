import {
  type ClusterConfig,
  effectiveHealthcheckEndpoint,
  type ListenerConfig,
  type StunnerConfig,
} from '@stunner/api';

/** What happens to one listener: its sockets are kept, replaced, opened or closed. */
export type ListenerAction = 'keep' | 'update' | 'restart' | 'start' | 'stop';
/** What happens to one cluster: STRICT_DNS registration is the only thing that restarts. */
export type ClusterAction = 'keep' | 'update' | 'restart' | 'add' | 'remove';
/** What happens to an admin HTTP server. */
export type ServerAction = 'keep' | 'restart' | 'start' | 'stop';

export interface ReconcilePlan {
  readonly listeners: ReadonlyArray<{ name: string; action: ListenerAction; reason: string }>;
  readonly clusters: ReadonlyArray<{ name: string; action: ClusterAction }>;
  /** Credentials or auth type changed: new requests use the new ones, live allocations stay. */
  readonly authChanged: boolean;
  readonly health: ServerAction;
  readonly metrics: ServerAction;
  /** Log level, name or quota changed: applied in place. */
  readonly adminChanged: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Fields whose change needs new sockets (stunner-v1.md §1.7); routes and public address do not. */
export function listenerRestartReason(a: ListenerConfig, b: ListenerConfig): string | undefined {
  for (const k of ['protocol', 'address', 'port', 'cert', 'key'] as const) if (a[k] !== b[k]) return `${k} changed`;
  return undefined;
}

function serverAction(before: string, after: string): ServerAction {
  if (before === after) return 'keep';
  if (before === '') return 'start';
  if (after === '') return 'stop';
  return 'restart';
}

/**
 * Decides what a new config changes in a running stunnerd, per STUNner's table (stunner-v1.md §1.7):
 * routes, public addresses, credentials, admin settings and STATIC clusters change in place; a
 * listener's protocol, address, port or TLS material restarts that listener only; a realm change
 * restarts every listener; a cluster moving to or from STRICT_DNS, or changing its names, restarts
 * its DNS registration. With no previous config everything starts.
 */
export function planReconcile(before: StunnerConfig | undefined, after: StunnerConfig): ReconcilePlan {
  const realmChanged = before !== undefined && before.auth.realm !== after.auth.realm;
  const oldListeners = new Map((before?.listeners ?? []).map((l) => [l.name, l]));
  const listeners: Array<{ name: string; action: ListenerAction; reason: string }> = [];
  for (const l of after.listeners) {
    const old = oldListeners.get(l.name);
    if (!old) {
      listeners.push({ name: l.name, action: 'start', reason: 'new listener' });
      continue;
    }
    oldListeners.delete(l.name);
    const restart = listenerRestartReason(old, l) ?? (realmChanged ? 'realm changed' : undefined);
    if (restart) listeners.push({ name: l.name, action: 'restart', reason: restart });
    else if (!same(old, l))
      listeners.push({ name: l.name, action: 'update', reason: 'routes or public address changed' });
    else listeners.push({ name: l.name, action: 'keep', reason: '' });
  }
  for (const name of oldListeners.keys()) listeners.push({ name, action: 'stop', reason: 'listener removed' });

  const oldClusters = new Map((before?.clusters ?? []).map((c) => [c.name, c]));
  const clusters: Array<{ name: string; action: ClusterAction }> = [];
  for (const c of after.clusters) {
    const old = oldClusters.get(c.name);
    oldClusters.delete(c.name);
    clusters.push({ name: c.name, action: old ? clusterAction(old, c) : 'add' });
  }
  for (const name of oldClusters.keys()) clusters.push({ name, action: 'remove' });

  const health = (c: StunnerConfig | undefined) => (c ? effectiveHealthcheckEndpoint(c.admin) : '');
  const metrics = (c: StunnerConfig | undefined) => c?.admin.metrics_endpoint ?? '';
  return {
    listeners,
    clusters,
    authChanged:
      before !== undefined &&
      (before.auth.type !== after.auth.type || !same(before.auth.credentials, after.auth.credentials)),
    health: serverAction(health(before), health(after)),
    metrics: serverAction(metrics(before), metrics(after)),
    adminChanged:
      before !== undefined &&
      !same(
        { ...before.admin, healthcheck_endpoint: undefined, metrics_endpoint: undefined },
        { ...after.admin, healthcheck_endpoint: undefined, metrics_endpoint: undefined },
      ),
  };
}

function clusterAction(a: ClusterConfig, b: ClusterConfig): ClusterAction {
  if (same(a, b)) return 'keep';
  const dns = a.type === 'STRICT_DNS' || b.type === 'STRICT_DNS';
  if (dns && (a.type !== b.type || !same(a.endpoints, b.endpoints))) return 'restart';
  return 'update';
}
