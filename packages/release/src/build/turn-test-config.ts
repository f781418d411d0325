// The stunnerd config the build's benchmarks and tests serve: one TURN-UDP listener on loopback with
// static credentials and a STATIC cluster that opens 127.0.0.1 for loopback peers (stunner-v1.md
// §1.10), health check and metrics on the ports given (0/'' switches them off).

/** The listener's name: namespace/gateway/listener, as the operator renders it (authd locates it by that). */
export const LOOPBACK_LISTENER = 'release/loopback/udp';
/** What stunnerd prints once the listener serves. */
export const LOOPBACK_LISTENER_READY = /listener release\/loopback\/udp TURN-UDP/;

export interface LoopbackTurnConfig {
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  /** TCP port of the health check endpoint; undefined for none. */
  readonly healthPort?: number;
  /** TCP port of the Prometheus endpoint; undefined for none. */
  readonly metricsPort?: number;
}

/** The config as stunnerd's JSON config file (`stunnerd -c file://...`). */
export function loopbackTurnConfig(c: LoopbackTurnConfig): string {
  return JSON.stringify({
    version: 'v1',
    admin: {
      name: 'release/stunnerd',
      loglevel: 'all:WARN',
      healthcheck_endpoint: c.healthPort ? `http://127.0.0.1:${c.healthPort}` : '',
      metrics_endpoint: c.metricsPort ? `http://127.0.0.1:${c.metricsPort}/metrics` : '',
    },
    auth: { type: 'static', realm: c.realm, credentials: { username: c.username, password: c.password } },
    listeners: [
      {
        name: LOOPBACK_LISTENER,
        protocol: 'TURN-UDP',
        address: '127.0.0.1',
        port: c.port,
        routes: ['release/loopback'],
      },
    ],
    clusters: [{ name: 'release/loopback', type: 'STATIC', endpoints: ['127.0.0.1/32'] }],
  });
}
