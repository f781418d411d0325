import { parseArgs } from 'node:util';
import { logSpecFromFlags, parseLogSpec } from '@stunner/log';
import { TurncatError } from './turncat-errors.ts';

export interface TurncatArgs {
  help: boolean;
  /** `-l/--log`, default `all:WARN`; `-v` makes it `all:DEBUG`. Checked: a malformed spec throws LOG_ERR_BAD_SPEC. */
  log: string;
  insecure: boolean;
  sni: string | undefined;
  namespace: string;
  cdsServerAddress: string | undefined;
  cdsServerNamespace: string | undefined;
  cdsServerPort: number;
  /** `--kubeconfig`: for finding the CDS through Kubernetes when no `--cds-server-address` is given. */
  kubeconfig: string | undefined;
  clientAddr: string;
  server: string;
  peerAddr: string;
}

/** turncat's `-l` default (stunner-v1.md §4). */
export const TURNCAT_DEFAULT_LOG_SPEC = 'all:WARN';

export const TURNCAT_USAGE = `Usage: turncat [flags] <client-addr> <turn-server> <peer-addr>

  client-addr   udp://<ip>:<port>, tcp://<ip>:<port>, unix://<path>, or - for stdin/stdout
  turn-server   turn://<user>:<pass>@<host>:<port>?transport=<udp|tcp|tls|dtls>, turns://… (TLS, or DTLS with
                transport=udp), or k8s://<namespace>/<gateway>:<listener> (k8s:///<gateway>:<listener> with -n)
                to read the listener's public address and credentials from the config discovery service
  peer-addr     udp://<ip>:<port>

Flags:
  -l, --log <spec>                 log levels, e.g. all:INFO,turncat:DEBUG (default "all:WARN")
  -v, --verbose                    same as -l all:DEBUG
  -i, --insecure                   accept self-signed TLS/DTLS certificates
      --sni <name>                 server name for TLS/DTLS (SNI and certificate check)
  -n, --namespace <ns>             namespace for k8s:/// URIs (default "default")
      --cds-server-address <addr>  config discovery service, host:port or http(s)://… URL; without it the CDS is
                                   found through Kubernetes (the operator pod, reached by port-forward)
      --cds-server-namespace <ns>  namespace of the operator pod serving CDS
      --cds-server-port <port>     CDS port when the address has none (default 13478)
      --kubeconfig <file>          kubeconfig for finding the CDS (default $KUBECONFIG, ~/.kube/config, in-cluster)
  -h, --help                       this help

Environment:
  TURNCAT_RTO_MS                   initial STUN retransmission timeout over UDP/DTLS (default 500)
`;

export function parseTurncatArgs(argv: string[]): TurncatArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (cause) {
    throw new TurncatError('TURNCAT_ERR_USAGE', cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return { help: true } as TurncatArgs;
  }
  if (positionals.length !== 3) {
    throw new TurncatError(
      'TURNCAT_ERR_USAGE',
      `expected 3 arguments <client-addr> <turn-server> <peer-addr>, got ${positionals.length}`,
    );
  }
  const cdsPort = Number(values['cds-server-port'] ?? 13478);
  if (!Number.isInteger(cdsPort) || cdsPort < 1 || cdsPort > 65535) {
    throw new TurncatError('TURNCAT_ERR_USAGE', `--cds-server-port ${values['cds-server-port']} is not a port`);
  }
  const log = logSpecFromFlags(values, TURNCAT_DEFAULT_LOG_SPEC);
  parseLogSpec(log);
  return {
    help: false,
    log,
    insecure: values.insecure ?? false,
    sni: values.sni,
    namespace: values.namespace ?? 'default',
    cdsServerAddress: values['cds-server-address'],
    cdsServerNamespace: values['cds-server-namespace'],
    cdsServerPort: cdsPort,
    kubeconfig: values.kubeconfig,
    clientAddr: positionals[0]!,
    server: positionals[1]!,
    peerAddr: positionals[2]!,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      log: { type: 'string', short: 'l' },
      verbose: { type: 'boolean', short: 'v' },
      insecure: { type: 'boolean', short: 'i' },
      sni: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'cds-server-address': { type: 'string' },
      'cds-server-namespace': { type: 'string' },
      'cds-server-port': { type: 'string' },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
