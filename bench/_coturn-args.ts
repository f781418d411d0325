// turnserver's command line for the benches (turn.md §4.2): long-term credentials, no TLS/DTLS, no CLI,
// its pid file and user database in `dir`, logs on stdout (where the benches wait for its start line).
import { join } from 'node:path';

export interface CoturnArgs {
  readonly listeningIp: string;
  readonly relayIp: string;
  readonly port: number;
  /** RFC 5780's second port; none when omitted. */
  readonly altPort?: number;
  readonly minPort: number;
  readonly maxPort: number;
  readonly user: string;
  readonly pass: string;
  readonly realm: string;
  /** `--allow-loopback-peers`: the loopback benches' peers are on 127.0.0.1. */
  readonly loopbackPeers: boolean;
  readonly dir: string;
}

export function coturnArgs(o: CoturnArgs): string[] {
  return [
    '-n',
    `--listening-ip=${o.listeningIp}`,
    `--relay-ip=${o.relayIp}`,
    `--listening-port=${o.port}`,
    ...(o.altPort !== undefined ? [`--alt-listening-port=${o.altPort}`] : []),
    `--min-port=${o.minPort}`,
    `--max-port=${o.maxPort}`,
    '--lt-cred-mech',
    `--user=${o.user}:${o.pass}`,
    `--realm=${o.realm}`,
    ...(o.loopbackPeers ? ['--allow-loopback-peers'] : []),
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    `--pidfile=${join(o.dir, 'turnserver.pid')}`,
    `--userdb=${join(o.dir, 'turndb')}`,
    '--log-file=stdout',
    '--simple-log',
  ];
}
