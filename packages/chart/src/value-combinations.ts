// The value combinations the tests render, lint and apply: the defaults and what users commonly set.
import type { Values } from './helm.ts';

export interface Combination {
  name: string;
  values: Values;
}

export const COMBINATIONS: readonly Combination[] = [
  { name: 'defaults', values: {} },
  {
    name: 'auth service, JSON logs, legacy dataplane mode',
    values: {
      'stunnerAuthService.enabled': 'true',
      'logging.operator.format': 'json',
      'logging.operator.level': 'debug',
      'logging.dataplane.format': 'json',
      'logging.authService.format': 'json',
      'stunnerGatewayOperator.dataplane.mode': 'legacy',
    },
  },
  {
    name: 'Prometheus operator monitors and the dataplane metrics endpoint',
    values: {
      'monitoring.serviceMonitor.enabled': 'true',
      'monitoring.podMonitor.enabled': 'true',
      'monitoring.podMonitor.labels.release': 'prometheus',
      'stunnerGatewayOperator.dataplane.spec.enableMetricsEndpoint': 'true',
    },
  },
  {
    name: 'Gateway API CRDs installed by the chart (experimental channel)',
    values: { 'gatewayApiCrds.install': 'true', 'gatewayApiCrds.channel': 'experimental' },
  },
  {
    name: 'images, replicas, resources, node selectors and tolerations',
    values: {
      'images.operator.repository': 'registry.example.com/stunner/operator',
      'images.operator.tag': '1.2.3',
      'images.stunnerd.repository': 'registry.example.com/stunner/stunnerd',
      'images.stunnerd.tag': '1.2.3',
      'images.stunnerd.pullPolicy': 'Always',
      'stunnerGatewayOperator.deployment.replicas': '2',
      'stunnerGatewayOperator.deployment.nodeSelector.pool': 'control',
      'stunnerGatewayOperator.deployment.tolerations[0].key': 'dedicated',
      'stunnerGatewayOperator.deployment.tolerations[0].operator': 'Exists',
      'stunnerGatewayOperator.deployment.tolerations[0].effect': 'NoSchedule',
      'stunnerGatewayOperator.deployment.container.manager.resources.limits.memory': '256Mi',
      'stunnerGatewayOperator.deployment.container.manager.args[0]': '--enable-finalizer',
      'stunnerGatewayOperator.dataplane.spec.replicas': '3',
      'stunnerGatewayOperator.dataplane.spec.hostNetwork': 'true',
      'stunnerGatewayOperator.dataplane.spec.resources.limits.cpu': '4',
      'stunnerGatewayOperator.dataplane.spec.tolerations[0].key': 'media',
      'stunnerGatewayOperator.dataplane.spec.tolerations[0].operator': 'Exists',
      'stunnerGatewayOperator.dataplane.spec.terminationGracePeriodSeconds': '600',
    },
  },
  {
    name: 'no leader election, no default Dataplane',
    values: {
      'stunnerGatewayOperator.leaderElection.enabled': 'false',
      'stunnerGatewayOperator.dataplane.default.enabled': 'false',
    },
  },
  { name: 'no CDS token (clients of STUNner that send none)', values: { 'cdsAuth.enabled': 'false' } },
  { name: 'the CDS token from a Secret of the user', values: { 'cdsAuth.existingSecret': 'my-cds-token' } },
];
