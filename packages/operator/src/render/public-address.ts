// Public address discovery per listener (§2.8): Gateway spec.addresses, then the LoadBalancer status,
// then a Node's external address with the NodePort.
import { isIP } from 'node:net';
import type { Gateway } from '@stunner/api';
import type { Node, Service } from './kube-types.ts';
import type { ListenerPlan } from './plan-listeners.ts';

export interface PublicAddress {
  address: string;
  port: number;
}

function nodeAddress(nodes: Node[]): string | undefined {
  for (const type of ['ExternalIP', 'ExternalDNS']) {
    for (const n of nodes) {
      const a = n.status?.addresses?.find((x) => x.type === type)?.address;
      if (a) return a;
    }
  }
  return undefined;
}

/**
 * `service` is the desired Service (ports, NodePorts); `status` the live Service's status, if any.
 */
export function publicAddress(
  gw: Gateway,
  plan: ListenerPlan,
  service: Service | undefined,
  status: Service['status'],
  nodes: Node[],
): PublicAddress | undefined {
  const svcPort = service?.spec.ports?.find((p) => p.port === plan.listener.port && p.protocol === plan.l4);
  if (!service || !svcPort) return undefined;
  const hinted = gw.spec.addresses?.[0];
  if (hinted?.value) return { address: hinted.value, port: svcPort.port };
  if (service.spec.type === 'LoadBalancer') {
    const ingress = status?.loadBalancer?.ingress ?? [];
    const perPort = ingress.find((i) => i.ports?.some((p) => p.port === svcPort.port && p.protocol === plan.l4));
    const chosen = perPort ?? (ingress.some((i) => i.ports && i.ports.length > 0) ? undefined : ingress[0]);
    const a = chosen?.ip || chosen?.hostname;
    if (a) return { address: a, port: svcPort.port };
  }
  if (svcPort.nodePort !== undefined) {
    const a = nodeAddress(nodes);
    if (a) return { address: a, port: svcPort.nodePort };
  }
  return undefined;
}

export function addressType(address: string): 'IPAddress' | 'Hostname' {
  return isIP(address) ? 'IPAddress' : 'Hostname';
}
