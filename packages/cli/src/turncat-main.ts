import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { LoggerFactory } from '@stunner/log';
import { fetchStunnerConfig, serverFromConfig } from './stunner-uri.ts';
import { parseTurncatArgs, TURNCAT_USAGE, type TurncatArgs } from './turncat-args.ts';
import { TurncatError } from './turncat-errors.ts';
import { Turncat } from './turncat-tunnel.ts';
import {
  formatServer,
  type K8sServerRef,
  parseClientAddress,
  parseK8sUri,
  parsePeerAddress,
  parseTurnUri,
  type TurnServerSpec,
} from './turncat-uri.ts';

/** The CDS found as stunnerctl finds it (the labelled operator pod, by port-forward), then the config. */
async function fetchThroughKubernetes(ref: K8sServerRef, args: TurncatArgs, loggers: LoggerFactory) {
  const { Discovery } = await import('./stunnerctl/discovery.ts');
  const discovery = new Discovery(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}, loggers.getLogger('k8s-fwd'));
  try {
    const pod = await discovery.findCds(args.cdsServerNamespace);
    const reached = await discovery.reach(pod, args.cdsServerPort);
    return await fetchStunnerConfig(ref, { address: reached.address });
  } catch (cause) {
    if (cause instanceof TurncatError) throw cause;
    throw new TurncatError(
      'TURNCAT_ERR_CDS',
      `${(cause as Error).message} (k8s:// URIs read the listener from the config discovery service; --cds-server-address <host:port> names it)`,
      { cause },
    );
  } finally {
    await discovery.close();
  }
}

export interface TurncatIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** Called when the stdin tunnel's allocation ends on its own. */
  onStdioEnd?: (err?: Error) => void;
}

/**
 * Parses the command line, resolves the server (turn:, turns: or k8s: through CDS) and the peer,
 * and starts the tunnel. Resolves with the running tunnel, or with undefined after `--help`.
 */
export async function runTurncat(argv: string[], io: TurncatIo): Promise<Turncat | undefined> {
  const args = parseTurncatArgs(argv);
  if (args.help) {
    io.stdout.write(TURNCAT_USAGE);
    return undefined;
  }
  const loggers = new LoggerFactory({ spec: args.log, output: io.stderr });
  const log = loggers.getLogger('turncat');
  const listen = parseClientAddress(args.clientAddr);
  const peerText = parsePeerAddress(args.peerAddr);
  let server: TurnServerSpec;
  if (args.server.startsWith('k8s:')) {
    const ref = parseK8sUri(args.server, args.namespace);
    const config = args.cdsServerAddress
      ? await fetchStunnerConfig(ref, { address: args.cdsServerAddress, port: args.cdsServerPort })
      : await fetchThroughKubernetes(ref, args, loggers);
    server = serverFromConfig(config, ref, Date.now() / 1000);
    log.debug(`${args.server}: listener at ${formatServer(server)}`);
  } else {
    server = parseTurnUri(args.server);
  }
  const peerIp = isIP(peerText.host)
    ? peerText.host
    : await lookup(peerText.host).then(
        (r) => r.address,
        (cause: unknown) => {
          throw new TurncatError('TURNCAT_ERR_PEER_ADDRESS', `cannot resolve peer host "${peerText.host}"`, { cause });
        },
      );
  const rto = Number(io.env.TURNCAT_RTO_MS);
  const turncat = new Turncat({
    listen,
    server,
    peer: { address: peerIp, port: peerText.port },
    insecure: args.insecure,
    servername: args.sni,
    logger: log,
    client: Number.isFinite(rto) && rto > 0 ? { rto } : {},
    stdin: io.stdin,
    stdout: io.stdout,
    onStdioEnd: io.onStdioEnd,
  });
  await turncat.start();
  const bound = turncat.address;
  const where =
    listen.kind === 'stdio'
      ? '-'
      : listen.kind === 'unix'
        ? `unix://${listen.path}`
        : `${listen.kind}://${bound?.address}:${bound?.port}`;
  log.info(
    `Turncat client listening on ${where}, TURN server: ${formatServer(server)}, peer: udp://${peerIp}:${peerText.port}`,
  );
  return turncat;
}
