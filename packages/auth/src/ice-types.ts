// The JSON shapes of STUNner's auth service (stunner-v1.md §3; draft-uberti-behave-turn-rest-00 §2.2 for
// the TURN token, the W3C RTCIceServer/RTCConfiguration members for the ICE config). Field names are
// the wire contract: app servers and browsers read them as they are.

/** `iceTransportPolicy` values STUNner accepts; browsers know `all` and `relay`. */
export const ICE_TRANSPORT_POLICIES = ['all', 'public', 'relay'] as const;
export type IceTransportPolicy = (typeof ICE_TRANSPORT_POLICIES)[number];

/** One RTCIceServer: the TURN URIs of one gateway and the credentials that gateway accepts. */
export interface IceServer {
  username: string;
  credential: string;
  urls: string[];
}

/** The answer of `GET /ice`, ready to hand to `new RTCPeerConnection(...)`. */
export interface IceConfig {
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
}

/** The answer of `GET /` (TURN REST API token): the first matching gateway only. */
export interface TurnAuthToken {
  username: string;
  password: string;
  /** Seconds the credentials stay valid (echoes the request; static passwords never expire). */
  ttl: number;
  uris: string[];
}

/** Credential lifetime when a request gives none (STUNner's auth service default, one day). */
export const DEFAULT_TTL_SECONDS = 86_400;
