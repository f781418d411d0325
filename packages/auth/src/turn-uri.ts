import { isIP } from 'node:net';
import { type ListenerConfig, NODE_ADDRESS_PLACEHOLDER } from '@stunner/api';

/**
 * The TURN URI of a listener in the RFC 7065 form browsers take in `urls`: `turn:` over UDP and TCP,
 * `turns:` over TLS (`transport=tcp`) and DTLS (`transport=udp`). The host is, in STUNner's order,
 * `publicAddr` (the request's `public-addr` or `STUNNER_PUBLIC_ADDR`), the listener's `public_address`,
 * its `address`, else `0.0.0.0`; the port is `public_port`, else `port`. IPv6 hosts are bracketed.
 */
export function turnUri(listener: ListenerConfig, publicAddr?: string): string {
  const host = pickHost(publicAddr, listener.public_address, listener.address);
  const port = listener.public_port || listener.port;
  const [scheme, transport] = SCHEME[listener.protocol];
  return `${scheme}:${isIP(host) === 6 ? `[${host}]` : host}:${port}?transport=${transport}`;
}

const SCHEME: Record<ListenerConfig['protocol'], [string, string]> = {
  'TURN-UDP': ['turn', 'udp'],
  'TURN-TCP': ['turn', 'tcp'],
  'TURN-TLS': ['turns', 'tcp'],
  'TURN-DTLS': ['turns', 'udp'],
};

function pickHost(...candidates: (string | undefined)[]): string {
  for (const c of candidates) {
    // The operator's per-node placeholder and an unexpanded `$STUNNER_ADDR` (the pod IP, unknown here)
    // name no address a client can reach; STUNner falls through them the same way.
    if (c && c !== NODE_ADDRESS_PLACEHOLDER && !c.startsWith('$')) return c;
  }
  return '0.0.0.0';
}

/** A listener name as the operator renders it, `<namespace>/<gateway>/<listener>`; undefined otherwise. */
export function splitListenerName(name: string): { namespace: string; gateway: string; listener: string } | undefined {
  const parts = name.split('/');
  if (parts.length !== 3) return undefined;
  const [namespace, gateway, listener] = parts as [string, string, string];
  return { namespace, gateway, listener };
}
