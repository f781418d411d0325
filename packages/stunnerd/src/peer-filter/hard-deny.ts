import { type IpPrefix, parsePrefix } from '@stunner/api';

/**
 * Peers refused even when a route's endpoint covers them, unless an endpoint names a range inside
 * the denied one (an endpoint 127.0.0.1/32 opens that loopback address; 0.0.0.0/0 opens nothing here).
 * They reach the gateway itself or the node's link (turn.md §5.1–5.3: coturn's CVE-2020-26262 and
 * CVE-2026-27624, the 169.254.169.254 metadata service).
 */
export const HARD_DENIED_PREFIXES: readonly IpPrefix[] = [
  '0.0.0.0/8', // "this network": reaches the host itself
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata at 169.254.169.254
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and 255.255.255.255 limited broadcast
  '::/128', // unspecified
  '::1/128', // loopback
  'fe80::/10', // link-local
  'ff00::/8', // multicast
].map((p) => parsePrefix(p)!);

/** Addresses that always mean this host, whatever its interfaces are. */
export const SELF_PREFIXES: readonly IpPrefix[] = ['0.0.0.0/8', '127.0.0.0/8', '::/128', '::1/128'].map(
  (p) => parsePrefix(p)!,
);
