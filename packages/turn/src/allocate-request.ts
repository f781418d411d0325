import {
  AdditionalAddressFamily,
  AddressFamily,
  Attr,
  EvenPort,
  RequestedAddressFamily,
  RequestedTransport,
  ReservationToken,
  type StunMessage,
  TransportProtocol,
} from '@stunner/stun';
import type { Family } from './endpoint.ts';

/** What an Allocate asks for, once its attributes passed the checks of RFC 8656 §7.2. */
export interface AllocatePlan {
  /** Families to bind, IPv4 first for a dual allocation; empty when a reservation token decides. */
  readonly families: Family[];
  /** ADDITIONAL-ADDRESS-FAMILY this server cannot serve: reported with ADDRESS-ERROR-CODE 440. */
  readonly refusedFamily: Family | undefined;
  /** EVEN-PORT (RFC 8656 §14.6), with R: reserve the next port too. */
  readonly evenPort: { reserve: boolean } | undefined;
  /** RESERVATION-TOKEN (RFC 8656 §14.9) of an earlier EVEN-PORT R=1 allocation. */
  readonly token: Buffer | undefined;
  /** DONT-FRAGMENT (RFC 8656 §14.8): relay with the DF bit set. */
  readonly dontFragment: boolean;
  /** REQUESTED-TRANSPORT: UDP, or TCP (RFC 6062). */
  readonly transport: 'udp' | 'tcp';
}

export function familyOfOctet(v: number | undefined): Family | undefined {
  return v === AddressFamily.IPv4 ? 'IPv4' : v === AddressFamily.IPv6 ? 'IPv6' : undefined;
}

/**
 * Checks the attributes of an Allocate (RFC 8656 §7.2, RFC 6156 §4.2) against the relay families this
 * server can bind, and returns the plan or the error code to answer. Malformed attribute values throw
 * the codec's StunCodecError (→ 400).
 */
export function planAllocate(
  msg: StunMessage,
  supported: readonly Family[],
  tcp: { readonly enabled: boolean; readonly overStream: boolean } = { enabled: false, overStream: false },
): AllocatePlan | 400 | 440 | 442 {
  const requested = msg.get(RequestedTransport);
  if (requested === undefined) return 400;
  const isTcp = requested === TransportProtocol.TCP && tcp.enabled;
  if (requested !== TransportProtocol.UDP && !isTcp) return 442;
  const transport = isTcp ? 'tcp' : 'udp';
  const dontFragment = msg.has(Attr.DontFragment);
  // RFC 6062 §5.1: a TCP allocation needs a TCP/TLS control connection and takes no EVEN-PORT,
  // RESERVATION-TOKEN or DONT-FRAGMENT; dual TCP allocations are not offered.
  if (
    isTcp &&
    (!tcp.overStream ||
      dontFragment ||
      msg.has(Attr.EvenPort) ||
      msg.has(Attr.ReservationToken) ||
      msg.has(Attr.AdditionalAddressFamily))
  ) {
    return 400;
  }
  const token = msg.get(ReservationToken);
  const evenPort = msg.get(EvenPort);
  const requestedFamily = msg.find(Attr.RequestedAddressFamily);
  const additional = msg.find(Attr.AdditionalAddressFamily);
  // A reservation token names its address: it excludes EVEN-PORT and any family choice.
  if (token !== undefined && (evenPort !== undefined || requestedFamily !== undefined || additional !== undefined)) {
    return 400;
  }
  if (requestedFamily !== undefined && additional !== undefined) return 400;
  if (token !== undefined)
    return { families: [], refusedFamily: undefined, evenPort: undefined, token, dontFragment, transport };
  if (additional !== undefined) {
    // ADDITIONAL-ADDRESS-FAMILY asks for IPv4 plus IPv6; IPv4 in it is a bad request.
    if (msg.get(AdditionalAddressFamily) !== AddressFamily.IPv6) return 400;
    if (!supported.includes('IPv4')) return 440;
    // A dual allocation may succeed with IPv4 only, reporting the IPv6 failure.
    return supported.includes('IPv6')
      ? { families: ['IPv4', 'IPv6'], refusedFamily: undefined, evenPort, token: undefined, dontFragment, transport }
      : { families: ['IPv4'], refusedFamily: 'IPv6', evenPort, token: undefined, dontFragment, transport };
  }
  // RFC 6156 §4.2: without REQUESTED-ADDRESS-FAMILY the relay is IPv4.
  const family = requestedFamily === undefined ? 'IPv4' : familyOfOctet(msg.get(RequestedAddressFamily));
  if (family === undefined || !supported.includes(family)) return 440;
  return { families: [family], refusedFamily: undefined, evenPort, token: undefined, dontFragment, transport };
}

/** RFC 8656 §7.2, §7.3: max(default, min(requested, max)); no LIFETIME gets the default. */
export function grantedLifetimeMs(requestedSeconds: number | undefined, defaultMs: number, maxMs: number): number {
  if (requestedSeconds === undefined) return defaultMs;
  return Math.max(Math.min(requestedSeconds * 1000, maxMs), defaultMs);
}
