/** RFC 8489 §5: fixed value in every STUN header since RFC 5389. */
export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_LENGTH = 20;
export const TRANSACTION_ID_LENGTH = 12;
/** RFC 8489 §14.7: CRC-32 of the message XOR this value. */
export const FINGERPRINT_XOR = 0x5354554e;

/** STUN methods (RFC 8489 §18.2, RFC 8656 §17, RFC 6062 §6.1). */
export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
  Connect: 0x00a,
  ConnectionBind: 0x00b,
  ConnectionAttempt: 0x00c,
} as const;

/** The two class bits of the message type (RFC 8489 §5). */
export const MessageClass = {
  Request: 0b00,
  Indication: 0b01,
  SuccessResponse: 0b10,
  ErrorResponse: 0b11,
} as const;
export type MessageClass = (typeof MessageClass)[keyof typeof MessageClass];

/**
 * Attribute types. Below 0x8000 they are comprehension-required (RFC 8489 §14): an unknown one in a
 * request is answered with 420.
 */
export const Attr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  MessageIntegritySha256: 0x001c,
  PasswordAlgorithm: 0x001d,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  ReservationToken: 0x0022,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  ConnectionId: 0x002a,
  AdditionalAddressFamily: 0x8000,
  AddressErrorCode: 0x8001,
  PasswordAlgorithms: 0x8002,
  AlternateDomain: 0x8003,
  Icmp: 0x8004,
  Software: 0x8022,
  AlternateServer: 0x8023,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
  ResponseOrigin: 0x802b,
  OtherAddress: 0x802c,
  Origin: 0x802f,
} as const;

/** RFC 8489 §14: types 0x0000–0x7FFF must be understood by the receiver. */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

/** Reason phrases of the error codes STUN and TURN servers send (RFC 8489 §14.8, RFC 8656 §19, RFC 6062 §6.3). */
export const ERROR_REASONS: Readonly<Record<number, string>> = {
  300: 'Try Alternate',
  400: 'Bad Request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  405: 'Mobility Forbidden',
  420: 'Unknown Attribute',
  437: 'Allocation Mismatch',
  438: 'Stale Nonce',
  440: 'Address Family not Supported',
  441: 'Wrong Credentials',
  442: 'Unsupported Transport Protocol',
  443: 'Peer Address Family Mismatch',
  446: 'Connection Already Exists',
  447: 'Connection Timeout or Failure',
  486: 'Allocation Quota Reached',
  500: 'Server Error',
  508: 'Insufficient Capacity',
};

/** RFC 8489 §14.12 / §18.5: PASSWORD-ALGORITHM values. */
export const PasswordAlgorithm = { MD5: 0x0001, SHA256: 0x0002 } as const;

/** Address family octets of address attributes (RFC 8489 §14.1) and REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.8). */
export const AddressFamily = { IPv4: 0x01, IPv6: 0x02 } as const;

/** IANA protocol numbers for REQUESTED-TRANSPORT (RFC 8656 §18.10, RFC 6062 §6.1). */
export const TransportProtocol = { TCP: 6, UDP: 17 } as const;

/** RFC 8656 §12: valid channel numbers; 0x5000–0x7FFF are reserved. */
export const CHANNEL_NUMBER_MIN = 0x4000;
export const CHANNEL_NUMBER_MAX = 0x4fff;
export const CHANNEL_DATA_HEADER_LENGTH = 4;
