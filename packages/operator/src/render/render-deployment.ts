// The stunnerd Deployment of a Gateway, from its Dataplane template (§2.6).
import {
  ANNOTATION_RELATED_GATEWAY,
  type Dataplane,
  DEFAULT_STUNNERD_IMAGE,
  type Gateway,
  HEALTH_CHECK_PORT,
  LABEL_APP,
  LABEL_APP_VALUE,
  LABEL_OWNED_BY,
  LABEL_OWNED_BY_VALUE,
  LABEL_RELATED_GATEWAY_NAME,
  LABEL_RELATED_GATEWAY_NAMESPACE,
  METRICS_PORT,
} from '@stunner/api';
import type { Container, Deployment } from './kube-types.ts';
import { inSelector } from './label-selector.ts';
import { ownerReference } from './owner-reference.ts';
import { CDS_TOKEN_FILE_ENV, cdsTokenEnv, mountCdsToken } from './render-cds-token.ts';
import type { RenderOptions } from './snapshot.ts';

export const CONTAINER_NAME = 'stunner-daemon';
const DEFAULT_COMMAND = ['stunnerd'];
const DEFAULT_ARGS = ['-w', '--udp-thread-num=16'];
const DEFAULT_RESOURCES = { requests: { cpu: '250m' }, limits: { memory: '20M' } };

function probe(path: string) {
  return {
    httpGet: { path, port: HEALTH_CHECK_PORT, scheme: 'HTTP' },
    periodSeconds: 15,
    timeoutSeconds: 1,
    failureThreshold: 3,
    successThreshold: 1,
  };
}

export function renderDeployment(gw: Gateway, dp: Dataplane, opts: RenderOptions): Deployment {
  const name = gw.metadata.name;
  const namespace = gw.metadata.namespace ?? 'default';
  const spec = dp.spec;
  const relatedAnnotation = { [ANNOTATION_RELATED_GATEWAY]: `${namespace}/${name}` };
  const related = { [LABEL_RELATED_GATEWAY_NAME]: name, [LABEL_RELATED_GATEWAY_NAMESPACE]: namespace };
  // GitOps tools prune objects carrying their tracking labels: never copy those from the Gateway (§2.6, #70).
  const gwLabels = Object.fromEntries(
    Object.entries(gw.metadata.labels ?? {}).filter(([k]) => !opts.labelFilter.includes(k)),
  );
  const env: unknown[] = [
    { name: 'STUNNER_ADDR', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'STUNNER_NAME', value: name },
    { name: 'STUNNER_NAMESPACE', value: namespace },
    { name: 'STUNNER_NODENAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    { name: 'STUNNER_CONFIG_ORIGIN', value: opts.configOrigin },
  ];
  // A Dataplane that names the token file itself keeps its value: a name twice is refused by apply.
  const ownTokenFile = (spec.env ?? []).some((e) => (e as { name?: string }).name === CDS_TOKEN_FILE_ENV);
  if (opts.cdsToken !== undefined && !ownTokenFile) env.push(cdsTokenEnv());
  env.push(...(spec.env ?? []));
  const container: Container = {
    name: CONTAINER_NAME,
    image: spec.image || DEFAULT_STUNNERD_IMAGE,
    imagePullPolicy: spec.imagePullPolicy ?? 'Always',
    command: spec.command ?? DEFAULT_COMMAND,
    args: spec.args ?? DEFAULT_ARGS,
    env,
    resources: spec.resources ?? DEFAULT_RESOURCES,
    // STUNner declares the metrics port whether or not the endpoint is enabled (§2.6): the same pod template
    // keeps a handover between the two operators from rolling the dataplane.
    ports: [{ name: 'metrics-port', containerPort: METRICS_PORT, protocol: 'TCP' }],
  };
  // STUNner's renderer drops envFrom although the CRD has it (§9); we pass it on.
  if (spec.envFrom && spec.envFrom.length > 0) container.envFrom = spec.envFrom;
  if (!spec.disableHealthCheck) {
    container.livenessProbe = probe('/live');
    container.readinessProbe = probe('/ready');
  }
  if (spec.containerSecurityContext) container.securityContext = spec.containerSecurityContext;

  const podSpec: Deployment['spec']['template']['spec'] = {
    containers: [container],
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
  };
  if (spec.hostNetwork) {
    podSpec.hostNetwork = true;
    podSpec.dnsPolicy = 'ClusterFirstWithHostNet';
  }
  if (spec.imagePullSecrets) podSpec.imagePullSecrets = spec.imagePullSecrets;
  if (spec.affinity) podSpec.affinity = spec.affinity;
  if (spec.tolerations) podSpec.tolerations = spec.tolerations;
  if (spec.topologySpreadConstraints) podSpec.topologySpreadConstraints = spec.topologySpreadConstraints;
  if (spec.securityContext) podSpec.securityContext = spec.securityContext;

  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace,
      labels: { ...gwLabels, [LABEL_OWNED_BY]: LABEL_OWNED_BY_VALUE, ...related },
      annotations: { ...(gw.metadata.annotations ?? {}), ...relatedAnnotation },
      ownerReferences: [ownerReference({ ...gw, kind: 'Gateway' })],
    },
    spec: {
      // STUNner's form, key for key (§2.6): the selector is immutable, so either operator can only update a
      // Deployment the other created when both write it identically.
      selector: inSelector([
        [LABEL_APP, LABEL_APP_VALUE],
        [LABEL_RELATED_GATEWAY_NAME, name],
        [LABEL_RELATED_GATEWAY_NAMESPACE, namespace],
      ]),
      template: {
        metadata: {
          labels: { ...(spec.labels ?? {}), [LABEL_APP]: LABEL_APP_VALUE, ...related },
          annotations: { ...(spec.annotations ?? {}), ...relatedAnnotation },
        },
        spec: podSpec,
      },
    },
  };
  if (opts.cdsToken !== undefined) mountCdsToken(deployment, container);
  // Unset replicas leave the count to an HPA or a manual scale (§2.4).
  if (spec.replicas !== undefined) deployment.spec.replicas = spec.replicas;
  return deployment;
}
