// stunnerd (stunner-v1.md §1.4): `npm run stunnerd -- [flags] [turn://user:pass@addr:port?transport=...]`.
import { readFile } from 'node:fs/promises';
import { parseStunnerConfig, type StunnerConfig, validateStunnerConfig, zeroConfig } from '@stunner/api';
import { LoggerFactory } from '@stunner/log';
import { parseStunnerdCli, type StunnerdCli } from './cli-options.ts';
import { CdsConfigClient, fetchCdsConfig } from './config/cds-config-client.ts';
import { parseConfigOrigin } from './config/config-origin.ts';
import { FileConfigWatcher } from './config/file-config-watcher.ts';
import { quickConfig } from './config/quick-config.ts';
import { Stunnerd } from './daemon/stunnerd.ts';
import { WorkerUdpListener } from './listeners/worker-udp-listener.ts';
import { planReconcile } from './reconcile/plan-reconcile.ts';
import { resolveUdpIo } from './sockets/udp-io.ts';

function fail(message: string, code = 1): never {
  process.stderr.write(`stunnerd: ${message}\n`);
  process.exit(code);
}

/** An error's message, followed by its stable code when it has one (the usage text goes as it is). */
function explain(err: unknown): string {
  const { message, code } = err as Error & { code?: unknown };
  return typeof code === 'string' && code !== 'STUNNERD_ERR_USAGE' ? `${message} (${code})` : message;
}

let cli: StunnerdCli;
try {
  cli = parseStunnerdCli(process.argv.slice(2), process.env);
} catch (err) {
  fail(explain(err), 2);
}

// Logs go to stderr; stdout carries only the lines a user or script reads (listening, TURN URIs).
const logger = new LoggerFactory({
  spec: cli.logSpec ?? 'all:INFO',
  format: cli.logFormat,
  output: process.stderr,
});
const log = logger.getLogger('stunnerd');

// --io (or $STUNNERD_IO), settled once here; worker threads inherit it through the environment.
const udpIo = resolveUdpIo(cli.io);
if (udpIo.fallback) log.warn(udpIo.fallback);

const daemon = new Stunnerd({
  logger,
  forceReady: cli.forceReady,
  // -u N > 1: each TURN-UDP listener is served by N worker threads on one SO_REUSEPORT port group.
  udpThreads: cli.udpThreadNum,
  limits: { challengeRateLimit: cli.challengeRateLimit, authFailureRateLimit: cli.authFailureRateLimit },
  ...(cli.logSpec ? { logSpecOverride: cli.logSpec } : {}),
});
let stopWatching: () => void = () => {};

function announce(config: StunnerConfig): void {
  for (const l of config.listeners) {
    const host = l.public_address || l.address;
    const transport = l.protocol.replace('TURN-', '').toLowerCase();
    const scheme = transport === 'tls' || transport === 'dtls' ? 'turns' : 'turn';
    const uriHost = host.includes(':') ? `[${host}]` : host;
    process.stdout.write(
      `stunnerd: listener ${l.name} ${l.protocol} port ${l.port}: ${scheme}:${uriHost}:${l.public_port || l.port}?transport=${transport === 'tls' ? 'tcp' : transport === 'dtls' ? 'udp' : transport}\n`,
    );
  }
}

/** Watch mode: an update that cannot be served is logged; the last good config keeps serving. */
async function apply(config: StunnerConfig): Promise<void> {
  try {
    await daemon.apply(config);
    announce(config);
  } catch (err) {
    log.error(explain(err));
  }
}

async function loadOnce(): Promise<StunnerConfig> {
  const origin = parseConfigOrigin(cli.configOrigin);
  if (origin.kind === 'file') return parseStunnerConfig(await readFile(origin.path, 'utf8'));
  if (origin.warning) log.warn(origin.warning);
  return fetchCdsConfig(origin.base, cli.id, process.env.STUNNER_NODENAME);
}

function watch(): void {
  const origin = parseConfigOrigin(cli.configOrigin);
  if (origin.kind === 'cds' && origin.warning) log.warn(origin.warning);
  const source =
    origin.kind === 'file'
      ? new FileConfigWatcher(origin.path)
      : new CdsConfigClient({
          base: origin.base,
          id: cli.id,
          ...(process.env.STUNNER_NODENAME ? { node: process.env.STUNNER_NODENAME } : {}),
        });
  const cdsLog = logger.getLogger(origin.kind === 'file' ? 'config-file-client' : 'cds-client');
  source.on('config', (config) => void apply(config));
  source.on('warning', (message) => cdsLog.warn(message));
  if (source instanceof CdsConfigClient) {
    source.on('connected', () => cdsLog.info('connected', { url: source.url }));
    source.on('disconnected', (reason) => cdsLog.warn(`disconnected: ${reason}; reconnecting`));
  }
  source.start();
  stopWatching = () => source.close();
}

let config: StunnerConfig | undefined;
try {
  if (cli.quickUri) config = await quickConfig(cli.quickUri);
  else if (!cli.watch || cli.dryRun) config = await loadOnce();
} catch (err) {
  fail(explain(err), cli.quickUri ? 2 : 1);
}

if (cli.dryRun) {
  const plan = planReconcile(undefined, config!);
  process.stdout.write(`${JSON.stringify({ valid: true, name: config!.admin.name, plan }, null, 2)}\n`);
  process.exit(0);
}

if (config) {
  // A one-shot start whose config cannot be served (a listener that cannot bind) exits with one line.
  try {
    await daemon.apply(config);
  } catch (err) {
    await daemon.close();
    fail(explain(err));
  }
  announce(config);
} else {
  // Watch mode starts from the zero config (§1.4): the health server answers /live 200 and /ready 503
  // while the first config is awaited, so liveness probes do not kill a pod whose CDS is unreachable.
  const zero = zeroConfig(cli.id);
  if (cli.bootstrapHealthEndpoint !== undefined) zero.admin.healthcheck_endpoint = cli.bootstrapHealthEndpoint;
  try {
    await daemon.apply(validateStunnerConfig(zero), { bootstrap: true });
  } catch (err) {
    log.error(`before the first config: ${explain(err)}`);
  }
  watch();
}

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    signals++;
    stopWatching();
    if (signals > 1) {
      void daemon.close().then(() => process.exit(0));
      return;
    }
    // §1.14: stop taking config updates, keep relaying until the last allocation is gone.
    void daemon
      .drain()
      .then(() => daemon.close())
      .then(() => process.exit(0));
  });
}

// Fault drill (docs/reliability.md, Faults): with STUNNERD_FAULT_DRILL=worker-crash, SIGUSR2 stops
// worker thread 0 of every multi-threaded TURN-UDP listener as if it crashed, so the restart can be
// watched from outside (stunner_listener_thread_restarts_total, the other threads' flows). Off unless set.
if (process.env.STUNNERD_FAULT_DRILL === 'worker-crash') {
  process.on('SIGUSR2', () => {
    for (const l of daemon.config?.listeners ?? []) {
      const listener = daemon.listener(l.name);
      if (listener instanceof WorkerUdpListener) {
        log.warn(`fault drill: stopping worker thread 0 of listener ${l.name}`);
        void listener.crash(0);
      }
    }
  });
}
