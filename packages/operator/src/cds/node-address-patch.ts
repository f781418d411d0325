// Per-node config patching for the CDS `node` parameter (reference/stunner-v1.md §1.6): listeners rendered
// with the node-address placeholder (enable-relay-address-discovery, §2.7) get the node's external address.
import { NODE_ADDRESS_PLACEHOLDER, STUNNER_ADDR_PLACEHOLDER, type StunnerConfig } from '@stunner/api';

export function patchNodeAddress(config: StunnerConfig, nodeAddress: string | undefined): StunnerConfig {
  if (!config.listeners.some((l) => l.address === NODE_ADDRESS_PLACEHOLDER)) return config;
  return {
    ...config,
    listeners: config.listeners.map((l) =>
      l.address === NODE_ADDRESS_PLACEHOLDER ? { ...l, address: nodeAddress ?? STUNNER_ADDR_PLACEHOLDER } : l,
    ),
  };
}

interface NodeLike {
  metadata: { name: string };
  status?: { addresses?: { type: string; address: string }[] };
}

/** A node's ExternalIP, else its first address of any kind. */
export function externalAddressOf(node: NodeLike | undefined): string | undefined {
  const addrs = node?.status?.addresses ?? [];
  return addrs.find((a) => a.type === 'ExternalIP')?.address;
}
