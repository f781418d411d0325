// `npm run operator -- <flags>`: the STUNner gateway operator (reference/stunner-v1.md §2.1).
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { LoggerFactory } from '@stunner/log';
import { type RunningOperator, startOperator } from './runtime/operator.ts';
import { FlagError, parseOperatorFlags } from './runtime/operator-flags.ts';

let flags: ReturnType<typeof parseOperatorFlags>;
try {
  flags = parseOperatorFlags(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof FlagError ? `${err.code}: ${err.message}` : (err as Error).message}\n`);
  process.exit(2);
}
const log = new LoggerFactory({ spec: flags.logSpec, format: flags.logFormat }).getLogger('operator');

/** The CDS bearer token from a mounted Secret's file; an unreadable or empty file stops the start. */
function readCdsTokenFile(path: string): string {
  let token = '';
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (err) {
    process.stderr.write(`OPERATOR_ERR_CDS_TOKEN: cannot read --cds-token-file ${path}: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (token === '') {
    process.stderr.write(`OPERATOR_ERR_CDS_TOKEN: --cds-token-file ${path} is empty\n`);
    process.exit(2);
  }
  return token;
}
const kc = new KubeConfig();
// --kubeconfig, else $KUBECONFIG, ~/.kube/config or the in-cluster service account.
if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
else kc.loadFromDefault();

// Handlers before the first await: as a container's PID 1 the process gets no default action for
// SIGTERM, so without one it would ignore a stop while it starts (e.g. while the API server does not answer).
let op: RunningOperator | undefined;
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    if (!op) {
      // Still starting: no render was written and the CDS served no config yet, so nothing needs
      // draining; exit as the signal's default action would (128 + signal number).
      log.info(`${sig} during startup: exiting`);
      process.exit(sig === 'SIGTERM' ? 143 : 130);
    }
    log.info(`${sig}: shutting down`);
    op.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error(`shutdown: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  });
}

op = await startOperator({
  kubeconfig: kc,
  controllerName: flags.controllerName,
  dataplaneMode: flags.dataplaneMode,
  endpointDiscovery: flags.endpointDiscovery,
  useEndpointSlices: flags.useEndpointSlices,
  enableFinalizer: flags.enableFinalizer,
  throttleMs: flags.throttleMs,
  cds: flags.cds,
  ...(flags.advertisedAddress ? { advertisedAddress: flags.advertisedAddress } : {}),
  ...(flags.cdsTokenFile ? { cdsToken: readCdsTokenFile(flags.cdsTokenFile) } : {}),
  ...(flags.metrics ? { metrics: flags.metrics } : {}),
  ...(flags.health ? { health: flags.health } : {}),
  ...(flags.leaderElect ? { leaderElection: { namespace: flags.leaderElectionNamespace } } : {}),
  labelFilter: flags.labelFilter,
  logger: log,
});
log.info(
  `running: controller ${flags.controllerName}, ${flags.dataplaneMode} mode, CDS on ${op.cdsAddress.address}:${op.cdsAddress.port}`,
);
