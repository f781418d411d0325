import type { Allocation } from './allocation.ts';
import type { ResponseSeal } from './response.ts';

/**
 * One TCP connection between a TCP allocation's relay and a peer (RFC 6062 §4): opened by Connect
 * (`connecting`, until the adapter reports it) or accepted from the peer; then waiting for the
 * client's ConnectionBind (`pending-bind`, 30 s, §5.3, §5.4); then `bound` to a data connection,
 * whose bytes the adapter pipes without the engine.
 */
export interface PeerConnection {
  /** CONNECTION-ID (RFC 6062 §6.2.1). */
  readonly id: number;
  readonly allocation: Allocation;
  readonly address: string;
  readonly port: number;
  state: 'connecting' | 'pending-bind' | 'bound';
  /** Engine time (ms) when a `connecting` or `pending-bind` connection is given up. */
  expires: number;
  /** The Connect request to answer once the adapter reports the outcome. */
  connect: (ResponseSeal & { readonly transactionId: Buffer }) | undefined;
}
