// Command line and environment of the operator (reference/stunner-v1.md §2.1).
import { parseArgs } from 'node:util';
import { DEFAULT_CDS_PORT, DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER } from '@stunner/api';
import { type LogFormat, LogSpecError, parseLogSpec } from '@stunner/log';
import { OperatorError, type OperatorErrorCode } from '../operator-error.ts';
import type { DataplaneMode } from '../render/snapshot.ts';
import type { HostPort } from './operator.ts';

export interface OperatorFlags {
  controllerName: string;
  dataplaneMode: DataplaneMode;
  cds: HostPort;
  advertisedAddress: string | undefined;
  /** File holding the CDS bearer token (--cds-token-file, $STUNNER_CDS_TOKEN_FILE); undefined: no auth. */
  cdsTokenFile: string | undefined;
  endpointDiscovery: boolean;
  useEndpointSlices: boolean;
  enableFinalizer: boolean;
  throttleMs: number;
  metrics: HostPort | undefined;
  health: HostPort | undefined;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  labelFilter: readonly string[];
  /** A STUNner log spec (`all:INFO,updater:DEBUG`) from `--zap-log-level`. */
  logSpec: string;
  logFormat: LogFormat;
  kubeconfig: string | undefined;
}

/** A bad command line; main prints the message and exits 2. */
export class FlagError extends OperatorError {
  constructor(
    code: Extract<OperatorErrorCode, `OPERATOR_ERR_FLAG_${string}`>,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = 'FlagError';
  }
}

/** `:8080`, `127.0.0.1:8080`, `[::1]:8080`; `0` turns the server off. */
export function parseBindAddress(flag: string, value: string): HostPort | undefined {
  if (value === '0' || value === '') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  if (!m) throw new FlagError('OPERATOR_ERR_FLAG_ADDRESS', `--${flag}=${value}: give host:port, :port or 0 (off)`);
  return { host: m[1] ?? m[2] ?? '', port: Number(m[3]) };
}

/** Go durations as STUNner's flags take them: `250ms`, `1s`, `1m`. */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value.trim());
  if (!m) throw new FlagError('OPERATOR_ERR_FLAG_DURATION', `--${flag}=${value}: give a duration such as 250ms or 1s`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

const ZAP_LEVELS: Record<string, string> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  // This logger has no panic level: those print at ERROR, as the nearest.
  dpanic: 'ERROR',
  panic: 'ERROR',
  fatal: 'ERROR',
};

/**
 * `--zap-log-level` as controller-runtime takes it (a zap level name, or a verbosity > 0: 1 is debug,
 * more is trace), or a STUNner log spec, so that `all:INFO,updater:DEBUG` means here what it means to
 * stunnerd and turncat.
 */
export function parseZapLogLevel(value: string): string {
  const text = value.trim();
  if (text.includes(':')) {
    try {
      parseLogSpec(text);
    } catch (err) {
      if (err instanceof LogSpecError)
        throw new FlagError('OPERATOR_ERR_FLAG_LOG_LEVEL', `--zap-log-level=${value}: ${err.message}`, { cause: err });
      throw err;
    }
    return text;
  }
  const level = ZAP_LEVELS[text.toLowerCase()];
  if (level) return `all:${level}`;
  if (/^\d+$/.test(text) && Number(text) > 0) return Number(text) === 1 ? 'all:DEBUG' : 'all:TRACE';
  throw new FlagError(
    'OPERATOR_ERR_FLAG_LOG_LEVEL',
    `--zap-log-level=${value}: give debug, info, warn, error, a verbosity number above 0, or a log spec such as all:INFO,updater:DEBUG`,
  );
}

/** `--zap-encoder`: `console` (text lines) or `json`. */
export function parseZapEncoder(value: string): LogFormat {
  const text = value.trim().toLowerCase();
  if (text === 'console' || text === 'text') return 'text';
  if (text === 'json') return 'json';
  throw new FlagError('OPERATOR_ERR_FLAG_LOG_FORMAT', `--zap-encoder=${value}: give console or json`);
}

const bool = (v: string | boolean | undefined, dflt: boolean): boolean =>
  v === undefined ? dflt : typeof v === 'boolean' ? v : !['false', '0', 'no'].includes(v.toLowerCase());

const OPTIONS = {
  'controller-name': { type: 'string' },
  'dataplane-mode': { type: 'string' },
  'config-discovery-address': { type: 'string' },
  'endpoint-discovery': { type: 'string' },
  'disable-endpontslice-controller': { type: 'boolean' },
  'enable-finalizer': { type: 'boolean' },
  'throttle-timeout': { type: 'string' },
  'metrics-bind-address': { type: 'string' },
  'health-probe-bind-address': { type: 'string' },
  'leader-elect': { type: 'boolean' },
  'leader-election-namespace': { type: 'string' },
  'zap-log-level': { type: 'string' },
  'zap-encoder': { type: 'string' },
  kubeconfig: { type: 'string' },
  'cds-token-file': { type: 'string' },
} as const;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowNegative: true }).values;
  } catch (err) {
    // node:util's ERR_PARSE_ARGS_* (unknown flag, missing value, stray positional).
    throw new FlagError(
      'OPERATOR_ERR_FLAG_INVALID',
      `${(err as Error).message}\nknown flags: --${Object.keys(OPTIONS).join(', --')}`,
      { cause: err },
    );
  }
}

export function parseOperatorFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): OperatorFlags {
  const values = parseFlags(argv);
  const mode = values['dataplane-mode'] ?? env.STUNNER_GATEWAY_OPERATOR_DATAPLANE_MODE ?? 'managed';
  const cdsAddr = values['config-discovery-address'] ?? `:${DEFAULT_CDS_PORT}`;
  const cds = parseBindAddress('config-discovery-address', cdsAddr);
  if (!cds) {
    throw new FlagError(
      'OPERATOR_ERR_FLAG_CDS_OFF',
      `--config-discovery-address=${cdsAddr}: cannot be off, stunnerd fetches its config there; give host:port or :port`,
    );
  }
  const labelFilter = env.STUNNER_GATEWAY_OPERATOR_LABEL_FILTER;
  return {
    controllerName:
      values['controller-name'] ?? env.STUNNER_GATEWAY_OPERATOR_CONTROLLER_NAME ?? DEFAULT_CONTROLLER_NAME,
    // STUNner reads any unknown mode as legacy (§2.1).
    dataplaneMode: mode === 'managed' ? 'managed' : 'legacy',
    cds: { host: cds.host === '' ? '0.0.0.0' : cds.host, port: cds.port },
    advertisedAddress: env.STUNNER_GATEWAY_OPERATOR_ADDRESS || undefined,
    cdsTokenFile: values['cds-token-file'] ?? (env.STUNNER_CDS_TOKEN_FILE || undefined),
    endpointDiscovery: bool(values['endpoint-discovery'], true),
    useEndpointSlices: !values['disable-endpontslice-controller'],
    enableFinalizer: values['enable-finalizer'] ?? false,
    throttleMs: parseDuration('throttle-timeout', values['throttle-timeout'] ?? '250ms'),
    metrics: parseBindAddress('metrics-bind-address', values['metrics-bind-address'] ?? ':8080'),
    health: parseBindAddress('health-probe-bind-address', values['health-probe-bind-address'] ?? ':8081'),
    leaderElect: values['leader-elect'] ?? false,
    leaderElectionNamespace: values['leader-election-namespace'] ?? env.POD_NAMESPACE ?? 'stunner-system',
    labelFilter:
      labelFilter !== undefined
        ? labelFilter
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : DEFAULT_LABEL_FILTER,
    logSpec: parseZapLogLevel(values['zap-log-level'] ?? 'info'),
    logFormat: parseZapEncoder(values['zap-encoder'] ?? 'console'),
    kubeconfig: values.kubeconfig ?? undefined,
  };
}
