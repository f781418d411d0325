import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { LogError, type LogFormat, logSpecFromFlags, parseLogFormat, parseLogSpec } from '@stunner/log';
import { StunnerdError } from './errors.ts';
import { parseUdpIo, type UdpIo } from './sockets/udp-io.ts';

/** stunnerd's command line (stunner-v1.md §1.4). */
export interface StunnerdCli {
  configOrigin: string;
  /** Log spec from -l/-v; undefined lets the config's admin.loglevel decide. */
  logSpec: string | undefined;
  logFormat: LogFormat;
  id: string;
  watch: boolean;
  udpThreadNum: number;
  /** `--io`: how TURN-UDP datagrams move; undefined lets $STUNNERD_IO or the default (batch) decide. */
  io: UdpIo | undefined;
  dryRun: boolean;
  forceReady: boolean;
  /** The positional quick-mode URI. */
  quickUri: string | undefined;
  /** 401/438 challenges per second per client IP and serving thread (--challenge-rate-limit); 0: none. */
  challengeRateLimit: number;
  /** Failed authentications per second per client IP and serving thread (--auth-failure-rate-limit); 0: none. */
  authFailureRateLimit: number;
  /**
   * Health endpoint of the zero config watch mode starts from, served before the first config arrives
   * (env STUNNER_HEALTHCHECK_ENDPOINT; default http://:8086, where the operator's probes look).
   */
  bootstrapHealthEndpoint: string | undefined;
}

export const STUNNERD_USAGE = `usage: stunnerd [flags] [turn://user:pass@addr:port?transport=udp|tcp|tls|dtls]
  -c, --config <origin>       config origin: file://<path>, http(s)://, ws(s)://, IP:port (env STUNNER_CONFIG_ORIGIN; default :13478)
  -w, --watch                 follow the origin and reconcile every update
  -i, --id <ns/name>          config id at the CDS (default $STUNNER_NAMESPACE/$STUNNER_NAME)
  -l, --log <spec>            log levels, e.g. all:INFO,turn:DEBUG
  -v, --verbose               same as -l all:DEBUG
      --log-format text|json
  -u, --udp-thread-num <n>    worker threads per TURN-UDP listener, one SO_REUSEPORT socket each (0, 1: main thread)
      --io dgram|batch        UDP I/O: batch (recvmmsg/sendmmsg, one epoll loop; default, falls back to dgram) or dgram
  -d, --dry-run               validate the config and show the plan; open no sockets
      --force-ready-status    /ready answers 200 whatever the state
      --challenge-rate-limit <n>    401/438 answers per second per client IP and thread, beyond which
                                    unauthenticated requests go unanswered (default 5000; 0: no limit)
      --auth-failure-rate-limit <n> answers to wrong credentials per second per client IP and thread
                                    (default 20, bursts of 40; 0: no limit)
      --cds-server-address, --cds-server-namespace, --cds-server-port   accepted for compatibility
With -w, /live answers 200 (and /ready 503) at once, before the first config arrives: on
$STUNNER_HEALTHCHECK_ENDPOINT if set, else http://:8086.
`;

/** Parses argv; throws a StunnerdError whose message says what is wrong (its usage text for -h). */
export function parseStunnerdCli(argv: string[], env: Readonly<Record<string, string | undefined>>): StunnerdCli {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      log: { type: 'string', short: 'l' },
      'log-format': { type: 'string', default: 'text' },
      id: { type: 'string', short: 'i' },
      watch: { type: 'boolean', short: 'w', default: false },
      'udp-thread-num': { type: 'string', short: 'u', default: '0' },
      io: { type: 'string' },
      'dry-run': { type: 'boolean', short: 'd', default: false },
      'force-ready-status': { type: 'boolean', default: false },
      'challenge-rate-limit': { type: 'string', default: '5000' },
      'auth-failure-rate-limit': { type: 'string', default: '20' },
      verbose: { type: 'boolean', short: 'v', default: false },
      'cds-server-address': { type: 'string' },
      'cds-server-namespace': { type: 'string' },
      'cds-server-port': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) throw new StunnerdError('STUNNERD_ERR_USAGE', STUNNERD_USAGE);
  let format: LogFormat;
  try {
    format = parseLogFormat(values['log-format']);
  } catch (err) {
    if (!(err instanceof LogError)) throw err;
    throw new StunnerdError('STUNNERD_ERR_LOG_FORMAT', `--log-format ${values['log-format']}: use text or json`, {
      cause: err,
    });
  }
  // -l is typed by a person: a malformed spec is refused (a config's admin.loglevel is read leniently).
  const logSpec = logSpecFromFlags(values);
  if (logSpec !== undefined) {
    try {
      parseLogSpec(logSpec);
    } catch (err) {
      if (!(err instanceof LogError)) throw err;
      throw new StunnerdError('STUNNERD_ERR_LOG_SPEC', `-l: ${err.message}`, { cause: err });
    }
  }
  const threads = Number(values['udp-thread-num']);
  if (!Number.isInteger(threads) || threads < 0 || threads > 256) {
    throw new StunnerdError(
      'STUNNERD_ERR_UDP_THREAD_NUM',
      `--udp-thread-num ${values['udp-thread-num']}: use a whole number from 0 to 256 (0 or 1: one thread)`,
    );
  }
  const rate = (flag: 'challenge-rate-limit' | 'auth-failure-rate-limit'): number => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < 0) {
      throw new StunnerdError(
        'STUNNERD_ERR_RATE_LIMIT',
        `--${flag} ${values[flag]}: use a whole number ≥ 0 (0: no limit)`,
      );
    }
    return n;
  };
  const challengeRateLimit = rate('challenge-rate-limit');
  const authFailureRateLimit = rate('auth-failure-rate-limit');
  const io = values.io === undefined ? undefined : parseUdpIo(values.io);
  if (positionals.length > 1)
    throw new StunnerdError(
      'STUNNERD_ERR_ARGUMENTS',
      `one quick-mode URI at most; got ${positionals.join(' ')} (quote a URI that holds spaces)`,
    );
  const defaultId =
    env.STUNNER_NAMESPACE && env.STUNNER_NAME
      ? `${env.STUNNER_NAMESPACE}/${env.STUNNER_NAME}`
      : `default/stunnerd-${hostname()}`;
  const id = values.id ?? defaultId;
  if (!/^[^/\s]+\/[^/\s]+$/.test(id)) throw new StunnerdError('STUNNERD_ERR_ID', `--id ${id}: use <namespace>/<name>`);
  return {
    configOrigin: values.config ?? env.STUNNER_CONFIG_ORIGIN ?? '',
    logSpec,
    logFormat: format,
    id,
    watch: values.watch,
    udpThreadNum: threads,
    io,
    dryRun: values['dry-run'],
    forceReady: values['force-ready-status'],
    quickUri: positionals[0],
    bootstrapHealthEndpoint: env.STUNNER_HEALTHCHECK_ENDPOINT || undefined,
    challengeRateLimit,
    authFailureRateLimit,
  };
}
