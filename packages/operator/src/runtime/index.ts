// Operator options take a logger from the shared logging package.
export type { Logger } from '@stunner/log';
export { CdsServer, type CdsServerOptions } from '../cds/cds-server.ts';
export { KubeApiError, KubeRest } from '../kube/kube-rest.ts';
export { OperatorError, type OperatorErrorCode } from '../operator-error.ts';
export { DEFAULT_LEASE_NAME, LeaderElector } from './leader-election.ts';
export { type HostPort, type OperatorOptions, type RunningOperator, startOperator } from './operator.ts';
export { parseOperatorFlags } from './operator-flags.ts';
