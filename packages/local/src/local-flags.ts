import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LocalError } from './errors.ts';

export const LOCAL_USAGE = `usage: npm start -- [<dir|file> ...] [flags]

Runs Gateway API and STUNner manifests on this machine (default: deploy/local/): the operator's
renderer turns them into stunnerd configs, stunnerd and authd serve them, the dashboard shows them.
Edits to the manifests are followed.

  --port-offset N         add N to every port local mode binds (TURN listeners, health, authd,
                          dashboard, udp-greeter): run beside another STUNner (default 0)
  --dashboard-address A   bind the dashboard here (default 127.0.0.1; elsewhere needs a token)
  --dashboard-port P      dashboard port before the offset (default 8090; 0 to disable)
  --dashboard-token T     require ?token=T on the dashboard's data (env STUNNER_DASHBOARD_TOKEN)
  --auth-port P           authd port before the offset (default 8088)
  -l, --log SPEC          log levels, e.g. all:INFO,turn:DEBUG (default: the GatewayConfig's logLevel)
  -h, --help`;

export const DEFAULT_MANIFESTS = fileURLToPath(new URL('../../../deploy/local/', import.meta.url));

export interface LocalFlags {
  paths: string[];
  portOffset: number;
  dashboardAddress: string;
  /** Undefined: no dashboard. */
  dashboardPort: number | undefined;
  dashboardToken?: string;
  authPort: number;
  logSpec?: string;
  help: boolean;
}

function port(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new LocalError('LOCAL_ERR_FLAGS', `--${name} must be a port number (0-65535), not "${text}"`);
  }
  return n;
}

export function parseLocalFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): LocalFlags {
  let parsed: ReturnType<typeof parse>;
  function parse(a: string[]) {
    return parseArgs({
      args: a,
      allowPositionals: true,
      options: {
        'port-offset': { type: 'string' },
        'dashboard-address': { type: 'string' },
        'dashboard-port': { type: 'string' },
        'dashboard-token': { type: 'string' },
        'auth-port': { type: 'string' },
        log: { type: 'string', short: 'l' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new LocalError('LOCAL_ERR_FLAGS', (err as Error).message);
  }
  const v = parsed.values;
  const offsetText = v['port-offset'] ?? '0';
  const portOffset = Number(offsetText);
  if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 60000) {
    throw new LocalError('LOCAL_ERR_FLAGS', `--port-offset must be a whole number 0-60000, not "${offsetText}"`);
  }
  const dashboardPort = port('dashboard-port', v['dashboard-port'], 8090);
  const token = v['dashboard-token'] ?? env.STUNNER_DASHBOARD_TOKEN;
  return {
    paths: parsed.positionals.length > 0 ? parsed.positionals : [DEFAULT_MANIFESTS],
    portOffset,
    dashboardAddress: v['dashboard-address'] ?? '127.0.0.1',
    dashboardPort: dashboardPort === 0 ? undefined : dashboardPort,
    ...(token ? { dashboardToken: token } : {}),
    authPort: port('auth-port', v['auth-port'], 8088),
    ...(v.log ? { logSpec: v.log } : {}),
    help: v.help ?? false,
  };
}
