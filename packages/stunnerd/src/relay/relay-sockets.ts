import type { DatagramSocket } from '@stunner/fastio';
import type { Family } from '@stunner/turn';
import { StunnerdError } from '../errors.ts';
import { bindDatagram } from '../sockets/udp-io.ts';

/** Ports tried for EVEN-PORT (RFC 8656 §14.6): the IANA dynamic range, even numbers only. */
const EVEN_PORT_MIN = 49152;
const EVEN_PORT_MAX = 65534;
const EVEN_PORT_ATTEMPTS = 32;
/** Kernel buffers of each relay socket (one peer stream each, mostly). */
const RELAY_BUFFER_BYTES = 1024 * 1024;

function randomEvenPort(): number {
  return EVEN_PORT_MIN + 2 * Math.floor(Math.random() * ((EVEN_PORT_MAX - EVEN_PORT_MIN) / 2 + 1));
}

export interface BoundRelay {
  /** One socket per family, in the order asked for. */
  readonly sockets: DatagramSocket[];
  /** The next port, held for an Allocate with the RESERVATION-TOKEN (EVEN-PORT R=1). */
  readonly reserved: DatagramSocket | undefined;
}

function tryBind(family: Family, port: number): Promise<DatagramSocket | undefined> {
  return bindDatagram(family, port, RELAY_BUFFER_BYTES).catch(() => undefined);
}

/**
 * Binds the relay sockets of one allocation (RFC 8656 §7.2): one per family on the same port where
 * possible; an even port (and the next one reserved) when EVEN-PORT asks. Families after the first
 * that cannot be bound are left out (the engine reports them in ADDRESS-ERROR-CODE). Rejects when the
 * first family cannot be bound.
 */
export async function bindRelay(families: readonly Family[], evenPort: boolean, reserve: boolean): Promise<BoundRelay> {
  const [first, ...rest] = families;
  if (first === undefined)
    throw new StunnerdError(
      'STUNNERD_ERR_RELAY_BIND',
      'no address family to bind a relay on; give the listener an IPv4 or IPv6 address',
    );
  let primary: DatagramSocket | undefined;
  let reserved: DatagramSocket | undefined;
  if (!evenPort) {
    primary = await bindDatagram(first, 0, RELAY_BUFFER_BYTES);
  } else {
    for (let i = 0; i < EVEN_PORT_ATTEMPTS && primary === undefined; i++) {
      const port = randomEvenPort();
      const s = await tryBind(first, port);
      if (s === undefined) continue;
      if (reserve) {
        reserved = await tryBind(first, port + 1);
        if (reserved === undefined) {
          s.close();
          continue;
        }
      }
      primary = s;
    }
    if (primary === undefined) {
      throw new StunnerdError(
        'STUNNERD_ERR_RELAY_BIND',
        `no free even port pair after ${EVEN_PORT_ATTEMPTS} tries in ${EVEN_PORT_MIN}-${EVEN_PORT_MAX}; free relay ports or allocate fewer at once`,
      );
    }
  }
  const sockets = [primary];
  for (const family of rest) {
    const s = (await tryBind(family, primary.port)) ?? (await tryBind(family, 0));
    if (s !== undefined) sockets.push(s);
  }
  return { sockets, reserved };
}
