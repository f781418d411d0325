// authd's command line: STUNner's auth-service flags (stunner-v1.md §3) plus the opt-in extras.
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { DEFAULT_CDS_PORT } from '@stunner/api';
import { LogError, type LogFormat, logSpecFromFlags, parseLogFormat, parseLogSpec } from '@stunner/log';
import { AuthError } from './errors.ts';

export const AUTHD_USAGE = `usage: authd [flags]
  -p, --port <port>                 HTTP port (default 8088)
      --address <ip>                bind address (default all interfaces)
  -l, --log <spec>                  log levels, e.g. all:INFO,authd:DEBUG (default all:INFO)
  -v, --verbose                     same as -l all:DEBUG
      --log-format text|json        (default text)
      --cds-server-address <addr>   config discovery service host, host:port or URL (env CDS_SERVER_ADDR)
      --cds-server-port <port>      its port when the address has none (env CDS_SERVER_PORT; default ${DEFAULT_CDS_PORT})
      --cds-server-namespace <ns>   accepted for compatibility (Kubernetes discovery is not done)
  -c, --config <origin>             file://<path> of stunnerd config(s) to serve instead of a CDS, or a CDS URL
  env STUNNER_PUBLIC_ADDR           host for every TURN URI unless the request gives public-addr
extras (off unless given):
      --token <secret>              require "Authorization: Bearer <secret>" or key=<secret> (env AUTHD_TOKEN)
      --cors-origin <origin>        allow browser calls from this origin; repeat, or * for any
      --rate-limit <req/s>          per-client request rate on / and /ice
      --rate-burst <n>              per-client burst (default the rate, rounded up)
      --probes                      serve /live and /ready
      --metrics                     serve Prometheus metrics at /metrics
`;

export type ConfigSource = { kind: 'cds'; base: URL } | { kind: 'file'; path: string };

export interface AuthdFlags {
  port: number;
  address: string | undefined;
  logSpec: string;
  logFormat: LogFormat;
  source: ConfigSource;
  publicAddr: string | undefined;
  token: string | undefined;
  corsOrigins: string[];
  rateLimit: { rate: number; burst?: number } | undefined;
  probes: boolean;
  metrics: boolean;
}

function fail(message: string): never {
  throw new AuthError('AUTH_ERR_FLAGS', 2, message);
}

function portOf(text: string, flag: string, min = 0): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= 65535)) fail(`${flag} ${text}: give a port number from ${min} to 65535`);
  return n;
}

/** Parses argv and the environment; throws AuthError AUTH_ERR_FLAGS whose message says what to fix. */
export function parseAuthdFlags(argv: string[], env: Readonly<Record<string, string | undefined>>): AuthdFlags {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (err) {
    fail(`${(err as Error).message} (authd --help lists the flags)`);
  }
  if (values.help) fail(AUTHD_USAGE);
  let format: LogFormat;
  const logSpec = logSpecFromFlags(values, 'all:INFO');
  try {
    format = parseLogFormat(values['log-format']);
    parseLogSpec(logSpec);
  } catch (err) {
    if (!(err instanceof LogError)) throw err;
    fail(`${values.verbose || values.log === undefined ? '' : '-l: '}${err.message}`);
  }
  const rate = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
  if (rate !== undefined && !(rate > 0 && rate <= 1e6))
    fail(`--rate-limit ${values['rate-limit']}: give requests a second, a positive number`);
  const burst = values['rate-burst'] === undefined ? undefined : Number(values['rate-burst']);
  if (burst !== undefined && !(Number.isInteger(burst) && burst >= 1 && burst <= 1e6)) {
    fail(`--rate-burst ${values['rate-burst']}: give a whole number of requests, at least 1`);
  }
  if (burst !== undefined && rate === undefined) fail('--rate-burst needs --rate-limit');
  const corsOrigins = values['cors-origin'] ?? [];
  for (const o of corsOrigins) {
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o))
      fail(`--cors-origin ${o}: give an origin such as https://app.example.com, or *`);
  }
  const token = values.token ?? env.AUTHD_TOKEN;
  if (token !== undefined && token.length < 8) fail('--token: use a secret of at least 8 characters');
  return {
    port: portOf(values.port, '--port'),
    address: values.address,
    logSpec,
    logFormat: format,
    source: configSource(values, env),
    publicAddr: env.STUNNER_PUBLIC_ADDR || undefined,
    token: token || undefined,
    corsOrigins,
    rateLimit: rate === undefined ? undefined : { rate, ...(burst !== undefined ? { burst } : {}) },
    probes: values.probes,
    metrics: values.metrics,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      port: { type: 'string', short: 'p', default: '8088' },
      address: { type: 'string' },
      log: { type: 'string', short: 'l' },
      verbose: { type: 'boolean', short: 'v', default: false },
      'log-format': { type: 'string', default: 'text' },
      'cds-server-address': { type: 'string' },
      'cds-server-namespace': { type: 'string' },
      'cds-server-port': { type: 'string' },
      config: { type: 'string', short: 'c' },
      token: { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
      'rate-limit': { type: 'string' },
      'rate-burst': { type: 'string' },
      probes: { type: 'boolean', default: false },
      metrics: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

function configSource(
  values: ReturnType<typeof parse>['values'],
  env: Readonly<Record<string, string | undefined>>,
): ConfigSource {
  const config = values.config;
  if (config !== undefined) {
    if (config.startsWith('file://')) {
      const path = config.slice('file://'.length);
      if (path === '') fail('--config file:// names no file; use file:///path/to/stunnerd.conf');
      return { kind: 'file', path };
    }
    return { kind: 'cds', base: cdsBase(config, DEFAULT_CDS_PORT, '--config') };
  }
  const address = values['cds-server-address'] ?? env.CDS_SERVER_ADDR;
  if (!address) {
    fail(
      'no config source: give --cds-server-address (e.g. stunner-config-discovery.stunner-system.svc) or --config file://<path>; ' +
        'finding the CDS through the Kubernetes API is not supported',
    );
  }
  const portText = values['cds-server-port'] ?? env.CDS_SERVER_PORT;
  const port = portText === undefined ? DEFAULT_CDS_PORT : portOf(portText, '--cds-server-port', 1);
  return { kind: 'cds', base: cdsBase(address, port, '--cds-server-address') };
}

/** `host`, `host:port`, `[v6]:port` or an http(s)/ws(s) URL → the CDS base URL. */
function cdsBase(text: string, port: number, flag: string): URL {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `http://${isIP(text) === 6 ? `[${text}]` : text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    fail(`${flag} ${text}: not a host, host:port or http(s)/ws(s) URL`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) fail(`${flag} ${text}: use http(s):// or ws(s)://`);
  // An explicit port equal to the scheme's default reads back as '': look at the text instead.
  const hasPort = /^(?:[a-z]+:\/\/)?(?:\[[^\]]*\]|[^/:[\]]*):\d+(?:\/|$)/i.test(text);
  if (!hasPort) url.port = String(port);
  if (url.hostname === '') fail(`${flag} ${text}: no host`);
  return url;
}
