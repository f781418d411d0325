// authd: STUNner's auth service (stunner-v1.md §3). `npm run authd -- --cds-server-address=<cds> [flags]`.
import { LoggerFactory } from '@stunner/log';
import { AUTHD_USAGE, parseAuthdFlags } from './authd-flags.ts';
import { AllConfigsWatcher } from './cds/all-configs-watcher.ts';
import { ConfigStore } from './cds/config-store.ts';
import { FileConfigSource } from './cds/file-source.ts';
import { AuthError } from './errors.ts';
import { AuthServer } from './http/auth-server.ts';
import { AuthMetrics } from './http/metrics.ts';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(AUTHD_USAGE);
    return;
  }
  const flags = parseAuthdFlags(argv, process.env);
  // Logs go to stderr; stdout carries only what a user or script reads (the listening address).
  const loggers = new LoggerFactory({ spec: flags.logSpec, format: flags.logFormat, output: process.stderr });
  const log = loggers.getLogger('authd');

  // Handlers before the first await: as a container's PID 1 the process gets no default action for
  // SIGTERM, so without one it would ignore a stop while it starts.
  let closeSource: (() => void) | undefined;
  let server: AuthServer | undefined;
  let serving = false;
  let stopping = false;
  const stop = (signal: 'SIGTERM' | 'SIGINT') => {
    if (stopping) return;
    stopping = true;
    closeSource?.();
    if (!serving || !server) {
      // Still starting: nothing was served; exit as the signal's default action would (128 + signal number).
      log.info(`${signal} during startup: exiting`);
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    }
    log.info(`${signal}: shutting down`);
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const cdsLog = loggers.getLogger('cds-client');
  const store = new ConfigStore();
  const metrics = flags.metrics ? new AuthMetrics() : undefined;
  store.on('change', () => metrics?.configs.set(store.size));

  let ready: () => boolean;
  if (flags.source.kind === 'file') {
    const file = new FileConfigSource(flags.source.path, store, (m) => log.warn(m));
    try {
      file.start();
    } catch (err) {
      throw new AuthError('AUTH_ERR_CONFIG_SOURCE', 1, `cannot load ${flags.source.path}: ${(err as Error).message}`);
    }
    log.info(`serving ${store.size} config(s) from file ${flags.source.path}`);
    ready = () => file.loaded;
    closeSource = () => file.close();
  } else {
    const watcher = new AllConfigsWatcher({ base: flags.source.base, store });
    let synced = false;
    watcher.on('connected', () => {
      synced = true;
      metrics?.cdsConnected.set(1);
      cdsLog.info(`watching configs at ${watcher.url}`);
    });
    watcher.on('disconnected', (why) => {
      metrics?.cdsConnected.set(0);
      cdsLog.warn(`config discovery connection lost, retrying: ${why}`, { cds: watcher.url });
    });
    watcher.on('update', (id, what) => cdsLog.info(`config ${what}`, { id, configs: store.size }));
    watcher.on('warning', (m) => cdsLog.warn(m));
    watcher.start();
    ready = () => synced;
    closeSource = () => watcher.close();
  }

  server = new AuthServer({
    configs: () => store.values(),
    ready,
    ...(flags.publicAddr ? { defaultPublicAddr: flags.publicAddr } : {}),
    ...(flags.token ? { token: flags.token } : {}),
    ...(flags.corsOrigins.length > 0 ? { corsOrigins: flags.corsOrigins } : {}),
    ...(flags.rateLimit ? { rateLimit: flags.rateLimit } : {}),
    probes: flags.probes,
    ...(metrics ? { metrics } : {}),
    logger: log,
  });
  const addr = await server.listen(flags.port, flags.address);
  serving = true;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  process.stdout.write(`authd: listening on http://${host}:${addr.port}\n`);
  log.info('serving', {
    auth: flags.token ? 'bearer token' : 'open',
    cors: flags.corsOrigins.join(' ') || 'off',
    rateLimit: flags.rateLimit ? `${flags.rateLimit.rate}/s` : 'off',
  });
}

main().catch((err: unknown) => {
  const code = err instanceof AuthError ? err.code : 'AUTH_ERR_STARTUP';
  process.stderr.write(`authd: ${code}: ${(err as Error).message}\n`);
  process.exit(err instanceof AuthError && err.code === 'AUTH_ERR_FLAGS' ? 2 : 1);
});
