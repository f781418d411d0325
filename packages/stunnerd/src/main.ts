// stunnerd (stunner-v1.md §1.4): `npm run stunnerd -- [flags] [turn://user:pass@addr:port?transport=...]`.
import { readFile } from 'node:fs/promises';
import { parseStunnerConfig, type StunnerConfig } from '@stunner/api';
import { LoggerFactory } from '@stunner/log';
import { parseStunnerdCli, type StunnerdCli } from './cli-options.ts';
import { CdsConfigClient, fetchCdsConfig } from './config/cds-config-client.ts';
import { parseConfigOrigin } from './config/config-origin.ts';
import { FileConfigWatcher } from './config/file-config-watcher.ts';
import { quickConfig } from './config/quick-config.ts';
import { Stunnerd } from './daemon/stunnerd.ts';
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

async function apply(config: StunnerConfig): Promise<boolean> {
  try {
    await daemon.apply(config);
    announce(config);
    return true;
  } catch (err) {
    log.error(explain(err));
    return false;
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
  if (!(await apply(config))) {
    await daemon.close();
    fail('the config cannot be served; see the error above');
  }
} else {
  // Watch mode starts with no config (not ready) and waits for the first one (§1.4).
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
