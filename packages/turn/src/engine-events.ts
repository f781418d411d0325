import type { AllocationInfo } from './allocation.ts';
import type { ClientEndpoint, Family } from './endpoint.ts';

/** Why an allocation ended. */
export type AllocationEndReason = 'refresh' | 'expired' | 'client-closed' | 'engine-closed';

/** Typed events for metrics and logs. Listeners run synchronously; what they throw is counted and dropped. */
export interface TurnEngineEvents {
  'allocation-created': [allocation: AllocationInfo];
  /** `allocation.stats` holds the final traffic counters. */
  'allocation-deleted': [allocation: AllocationInfo, reason: AllocationEndReason];
  /** One family of a dual allocation ended (Refresh with REQUESTED-ADDRESS-FAMILY, or its lifetime); the other goes on. */
  'allocation-family-deleted': [allocation: AllocationInfo, family: Family];
  'permission-created': [allocation: AllocationInfo, peerAddress: string];
  'permission-expired': [allocation: AllocationInfo, peerAddress: string];
  'channel-bound': [allocation: AllocationInfo, channel: number, peerAddress: string, peerPort: number];
  'channel-expired': [allocation: AllocationInfo, channel: number, peerAddress: string, peerPort: number];
  /** A request refused with `code` (401, 403, 437, 438, 441, 486, 508 ...), for abuse counters. */
  'request-refused': [client: ClientEndpoint, method: number, code: number];
}

/** Engine-wide counters, updated in place (read them at scrape time). */
export interface TurnEngineStats {
  /** Traffic relayed, summed over all allocations ever held. */
  toPeerPackets: number;
  toPeerBytes: number;
  toClientPackets: number;
  toClientBytes: number;
  droppedPackets: number;
  /** Data packets and bytes dropped by the bandwidth limit (`bandwidthLimit`), client → peer and peer → client. */
  bandwidthDroppedToPeerPackets: number;
  bandwidthDroppedToPeerBytes: number;
  bandwidthDroppedToClientPackets: number;
  bandwidthDroppedToClientBytes: number;
  /** Datagrams that were neither a decodable STUN message nor valid ChannelData. */
  malformed: number;
  /** 401/438 challenges not sent because the source was over `challengeRateLimit`. */
  challengesDropped: number;
  /** Requests with credentials that did not verify, left unanswered: the source was over `authFailureRateLimit`. */
  authFailuresDropped: number;
  /** Exceptions thrown by event listeners (caught so that relaying goes on). */
  listenerErrors: number;
}
