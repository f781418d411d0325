import { networkInterfaces } from 'node:os';

/** The relayed address a listener advertises: its `address`, with `localhost` and wildcards resolved. */
export function relayAddress(address: string): string {
  if (address === 'localhost') return '127.0.0.1';
  if (address !== '0.0.0.0' && address !== '::') return address;
  const v6 = address === '::';
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && (i.family === 'IPv6') === v6) return i.address;
  }
  return v6 ? '::1' : '127.0.0.1';
}

/** Every address of this host's interfaces, loopback included: no allocation may reach them as a peer. */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}
