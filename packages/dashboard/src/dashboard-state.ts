// What the dashboard shows, as plain JSON: a source (local mode, or a cluster) fills one of these per
// sample; the server adds rates and history, and the page draws it. Counters are totals since start.

/** A metav1.Condition as the operator writes it. */
export interface ConditionView {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export interface Traffic {
  packets: number;
  bytes: number;
}

export interface ListenerView {
  /** `<namespace>/<gateway>/<listener>`, the stunnerd listener name. */
  name: string;
  /** The Gateway listener's own name. */
  listener: string;
  protocol: string;
  port: number;
  publicAddress?: string;
  publicPort?: number;
  /** The TURN URI clients use. */
  uri?: string;
  conditions: ConditionView[];
  attachedRoutes?: number;
  /** Whether the dataplane serves it now. */
  serving: boolean;
  allocations: number;
  /** From clients, relayed to peers. */
  rx: Traffic;
  /** From peers, relayed to clients. */
  tx: Traffic;
}

export interface GatewayView {
  namespace: string;
  name: string;
  conditions: ConditionView[];
  addresses: string[];
  listeners: ListenerView[];
}

export interface AllocationView {
  /** Unique among the allocations shown (listener and relay id). */
  key: string;
  listener: string;
  /** `udp|tcp|tls|dtls address:port`. */
  client: string;
  username: string;
  relayed: string[];
  permissions: string[];
  /** `channel → peer address:port`. */
  channels: { number: number; peer: string }[];
  /** From the client, relayed to peers. */
  rx: Traffic;
  /** From peers, relayed to the client. */
  tx: Traffic;
  createdAt: number;
}

export interface ClusterView {
  name: string;
  /** From peers. */
  rx: Traffic;
  /** To peers. */
  tx: Traffic;
}

export interface ManifestView {
  /** `Kind namespace/name`, or the document position. */
  object: string;
  /** File and document number. */
  where?: string;
  conditions: ConditionView[];
  /** Problems naming this object: schema errors, render issues. */
  problems: string[];
}

export interface Problem {
  severity: 'error' | 'warning';
  message: string;
}

export interface IceTestTarget {
  /** Where the page fetches its ICE configuration (authd's `/ice`), with the query it needs. */
  iceUrl: string;
  /** Bearer token for authd, when it asks for one. */
  token?: string;
}

/** One sample from the source. */
export interface DashboardSample {
  time: number;
  gateways: GatewayView[];
  allocations: AllocationView[];
  clusters: ClusterView[];
  /** The running stunnerd configs, credentials redacted. */
  configs: unknown[];
  manifests: ManifestView[];
  problems: Problem[];
  /** Commands to try against the gateway (e.g. a turncat line), shown with a copy button. */
  tryIt?: string[];
}

export interface DashboardSource {
  /** Shown in the page header, e.g. `local mode: deploy/local`. */
  readonly title: string;
  readonly ice?: IceTestTarget;
  sample(): Promise<DashboardSample>;
}

/** One point of the charts: rates over the last sample interval. */
export interface RatePoint {
  time: number;
  allocations: number;
  /** Per listener and per cluster name: [rx pps, tx pps, rx bit/s, tx bit/s]. */
  listeners: Record<string, [number, number, number, number]>;
  clusters: Record<string, [number, number, number, number]>;
}

/** What an SSE `state` event carries. */
export interface DashboardState extends DashboardSample {
  title: string;
  ice?: IceTestTarget;
  startedAt: number;
  rates: RatePoint;
}
