// stunnerctl's command line (stunner-v1.md §4), on commander: node:util parseArgs has no subcommands, so
// per-subcommand flags and help, aliases (stunner-config, dataplane-status, get-credential,
// license-status) and global flags accepted before or after the subcommand would be hand-written.

import { LogSpecError } from '@stunner/log';
import { Command, CommanderError, Option } from 'commander';
import { authCommand } from './auth-command.ts';
import { configCommand } from './config-command.ts';
import { type CommandIo, Context, type GlobalOptions } from './context.ts';
import { StunnerctlError } from './errors.ts';
import { licenseCommand } from './license-command.ts';
import { statusCommand } from './status-command.ts';

function cdsOptions(cmd: Command): Command {
  return (
    cmd
      .option(
        '--cds-server-address <addr>',
        'config discovery service, host[:port] or http://… (env CDS_SERVER_ADDR); skips discovery',
      )
      .option('--cds-server-namespace <ns>', 'namespace of the operator pod serving CDS (env CDS_SERVER_NAMESPACE)')
      // No commander default: it would hide $CDS_SERVER_PORT.
      .option('--cds-server-port <port>', 'CDS port (env CDS_SERVER_PORT, default 13478)')
  );
}

function authOptions(cmd: Command): Command {
  return cmd
    .option('--auth-server-address <addr>', 'auth service, host[:port] or http://…; skips discovery')
    .option('--auth-service-namespace <ns>', 'namespace of the authd pods (label app=stunner-auth)')
    .option('--auth-service-port <port>', 'auth service port', '8088')
    .option('--auth-token <secret>', 'bearer token for an auth service that requires one (env AUTHD_TOKEN)');
}

export interface Running {
  /** Aborted by SIGINT/SIGTERM: ends `config -w` and `dashboard`. */
  signal: AbortSignal;
  /** Set by a command whose library keeps timers after it is done (werift's TURN refreshes). */
  exitWhenDone?: boolean;
}

/** Builds the program; `action`s run with a Context made from the global flags. */
export function buildProgram(io: CommandIo, run: Running): Command {
  const program = new Command('stunnerctl')
    .description(
      'Inspect STUNner: gateway configs from the CDS, dataplane status, credentials from the auth service, a relay-only WebRTC test, and a live dashboard',
    )
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      // commander's own messages (unknown command or flag, missing value) get the usage code too.
      outputError: (text, write) => write(`stunnerctl: STUNNERCTL_ERR_USAGE: ${text.replace(/^error: /, '')}`),
    })
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showHelpAfterError('(stunnerctl <command> --help shows the flags)')
    .option('-n, --namespace <ns>', 'namespace of the gateway(s) (default "default")')
    .option('-a, --all-namespaces', 'every namespace (overrides -n)')
    .option(
      '-o, --output <format>',
      'summary, json, yaml or jsonpath=<template> (kubectl form, e.g. jsonpath={.admin.name})',
      'summary',
    )
    .option('-l, --loglevel <spec>', 'log levels, e.g. all:INFO,cds-client:DEBUG (default "all:WARN")')
    .option('-v, --verbose', 'same as -l all:DEBUG')
    .option('--kubeconfig <file>', 'kubeconfig for discovery (default $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'kubeconfig context');

  const withContext =
    <A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      const cmd = args.at(-1) as Command;
      const ctx = new Context(cmd.optsWithGlobals<GlobalOptions>(), io);
      try {
        await fn(ctx, ...args);
      } finally {
        await ctx.close();
      }
    };

  cdsOptions(
    program
      .command('config')
      .alias('stunner-config')
      .description('show the stunnerd configs the CDS serves: of one gateway, of -n, or of all namespaces (-a)')
      .argument('[gateway]', 'Gateway name')
      .option('-w, --watch', 'follow changes until interrupted')
      .option('--node <name>', 'show the config as the stunnerd on this node gets it (relay address patch)'),
  ).action(withContext((ctx, gateway: string | undefined, o) => configCommand(ctx, gateway, o, run.signal)));

  program
    .command('status')
    .alias('dataplane-status')
    .description("show each stunnerd's /status: of one gateway, of -n, or of all namespaces (-a)")
    .argument('[gateway]', 'Gateway name')
    .option('--pod-address <addr>', "a stunnerd's health endpoint, host[:port]; skips discovery")
    .option('--pod-name <name>', 'only this stunnerd pod')
    .option('--pod-port <port>', 'health-check port', '8086')
    .action(withContext((ctx, gateway: string | undefined, o) => statusCommand(ctx, gateway, o)));

  authOptions(
    program
      .command('auth')
      .alias('get-credential')
      .description(
        'ask the auth service for an ICE config (/ice) or, with --auth-turn-credential, a TURN credential (/)',
      )
      .argument('[gateway]', 'Gateway name')
      .option('--auth-turn-credential', 'ask for a TURN credential instead of an ICE config')
      .option('-u, --username <name>', 'user name to put in ephemeral credentials'),
  ).action(
    withContext(async (ctx, gateway: string | undefined, o, cmd: Command) => {
      // STUNner's `auth` prints the service's JSON; -o summary must be asked for.
      if (cmd.getOptionValueSourceWithGlobals('output') !== 'cli') ctx.setOutput('json');
      await authCommand(ctx, gateway, o);
    }),
  );

  cdsOptions(
    authOptions(
      program
        .command('icetest')
        .description(
          'connect two in-process WebRTC peers relay-only through each TURN listener and report connect time, RTT and loss',
        )
        .argument('[args...]', 'a Gateway name and/or protocols to test (udp, tcp, tls); default every listener')
        .addOption(
          new Option(
            '--turn-uri <uri...>',
            'TURN server(s) as turn://user:pass@host:port?transport=… instead of the CDS',
          ),
        )
        .addOption(
          new Option(
            '--via <source>',
            'where listeners and credentials come from (default auth with --auth-server-address, else cds)',
          ).choices(['cds', 'auth']),
        )
        .option('-r, --packet-rate <n>', 'data-channel packets per second and protocol; 0 floods', '50')
        .option('-d, --duration <seconds>', 'how long to send packets per protocol', '5')
        .option('-t, --timeout <seconds>', 'connect timeout per protocol', '15')
        .option('--max-loss <percent>', 'a protocol with more loss fails', '100')
        .option('-i, --insecure', 'accept self-signed TLS certificates')
        .option('--sni <name>', 'server name for TLS'),
    ),
  ).action(
    withContext(async (ctx, args: string[], o) => {
      // werift loads only for the command that uses it.
      const { icetestCommand } = await import('./icetest/icetest-command.ts');
      run.exitWhenDone = true;
      await icetestCommand(ctx, args, o, run.signal);
    }),
  );

  cdsOptions(
    program
      .command('license')
      .alias('license-status')
      .description('show the license status the CDS reports (this implementation: the open-source tier)'),
  ).action(withContext((ctx, o) => licenseCommand(ctx, o)));

  cdsOptions(
    program
      .command('dashboard')
      .description(
        "serve the live dashboard page for the cluster: configs from the CDS, counters from each stunnerd's /status and /metrics (of -n, default every namespace); read-only",
      )
      .option(
        '--dashboard-address <addr>',
        'bind the page here; any other address than loopback needs a token',
        '127.0.0.1',
      )
      .option('--dashboard-port <port>', 'page port (0: any free port)', '8090')
      .option('--dashboard-token <secret>', "require ?token=<secret> on the page's data (env STUNNER_DASHBOARD_TOKEN)")
      .option('--pod-address <addr>', "a stunnerd's health endpoint, host[:port]; skips discovery of stunnerd pods")
      .option('--pod-port <port>', 'health-check port (/status)', '8086')
      .option('--metrics-address <addr>', "a stunnerd's metrics endpoint, host[:port] (with --pod-address)")
      .option('--metrics-port <port>', 'metrics port (/metrics)', '8080'),
  ).action(
    withContext(async (ctx, o) => {
      // The dashboard and its page load only for the command that serves them.
      const { dashboardCommand } = await import('./dashboard-command.ts');
      await dashboardCommand(ctx, o, run.signal);
    }),
  );

  program
    .command('render')
    .description('what the operator would produce from manifests, without a cluster (stunnerctl render -h)')
    .helpOption(false);

  return program;
}

/** One line for a failure: the stable code and what to fix. */
export function errorLine(err: unknown): string {
  if (err instanceof StunnerctlError) return `stunnerctl: ${err.code}: ${err.message}`;
  if (err instanceof LogSpecError) return `stunnerctl: ${err.code}: ${err.message}`;
  return `stunnerctl: ${err instanceof Error ? err.message : String(err)}`;
}

export { CommanderError };
