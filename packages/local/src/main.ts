// `npm start [-- <dir|file> ...] [flags]`: local mode (see LOCAL_USAGE). Start-up failures print one
// line and exit 1 (2 for bad flags); SIGINT/SIGTERM close everything and exit 0.
import { LogBuffer } from '@stunner/dashboard';
import { LoggerFactory } from '@stunner/log';
import { LocalError } from './errors.ts';
import { LOCAL_USAGE, type LocalFlags, parseLocalFlags } from './local-flags.ts';
import { LocalMode } from './local-mode.ts';
import { summary } from './summary.ts';

function fail(err: unknown, exitCode = 1): never {
  const code = (err as { code?: unknown }).code;
  const c = typeof code === 'string' && /_ERR_/.test(code) ? code : 'LOCAL_ERR_STARTUP';
  // One line: messages that carry a code frame (YAML errors) keep their first line.
  process.stderr.write(`stunner local: ${c}: ${(err as Error).message.split('\n')[0]}\n`);
  process.exit(exitCode);
}

let flags: LocalFlags;
try {
  flags = parseLocalFlags(process.argv.slice(2));
} catch (err) {
  fail(err, 2);
}
if (flags.help) {
  process.stdout.write(`${LOCAL_USAGE}\n`);
  process.exit(0);
}

// Log lines go to stderr and to the dashboard; until start-up has succeeded they are held, so a
// failure prints its one line alone.
const logs = new LogBuffer(300, (line) => process.stderr.write(line));
logs.hold();
const spec = flags.logSpec ?? 'all:INFO';
let loggers: LoggerFactory;
try {
  loggers = new LoggerFactory({ spec, output: logs.write });
} catch (err) {
  fail(new LocalError('LOCAL_ERR_FLAGS', `-l: ${(err as Error).message}`), 2);
}
const local = new LocalMode({
  paths: flags.paths,
  portOffset: flags.portOffset,
  authPort: flags.authPort,
  ...(flags.dashboardPort !== undefined
    ? {
        dashboard: {
          address: flags.dashboardAddress,
          port: flags.dashboardPort,
          ...(flags.dashboardToken ? { token: flags.dashboardToken } : {}),
        },
      }
    : {}),
  ...(flags.logSpec ? { logSpec: flags.logSpec } : {}),
  log: loggers.getLogger('local'),
  // Its own factory: stunnerd re-levels it from each config's admin.loglevel.
  stunnerdLoggers: new LoggerFactory({ spec, output: logs.write }),
  logs,
});

try {
  await local.start();
} catch (err) {
  logs.release(true);
  await local.close().catch(() => {});
  fail(err);
}
process.stdout.write(
  summary({
    title: local.title,
    configs: local.running(),
    authUrl: local.authUrl,
    ...(local.dashboardUrl ? { dashboardUrl: local.dashboardUrl } : {}),
    greeterPorts: local.greeterPorts,
  }),
);
logs.release();

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(0);
    stopping = true;
    void local.close().then(() => process.exit(0));
  });
}
