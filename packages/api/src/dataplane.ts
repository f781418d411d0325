// Dataplane (stunner.l7mp.io/v1, cluster-scoped): the template of the stunnerd Deployment (§2.4, §2.6).
import { z } from 'zod';
import { objectMetaSchema, opaqueObject } from './common-schemas.ts';
import { DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from './constants.ts';

export const dataplaneSpecSchema = z.object({
  image: z.string().min(1).describe('The stunnerd container image.'),
  imagePullPolicy: z.enum(['Always', 'Never', 'IfNotPresent']).optional().describe('Image pull policy.'),
  imagePullSecrets: z
    .array(z.object({ name: z.string() }))
    .optional()
    .describe('Secrets for pulling the image.'),
  dataplaneResource: z
    .enum(['Deployment', 'DaemonSet'])
    .default('Deployment')
    .describe('Kind of the managed dataplane (DaemonSet: premium).'),
  labels: z.record(z.string(), z.string()).optional().describe('Labels added to the stunnerd pods.'),
  annotations: z.record(z.string(), z.string()).optional().describe('Annotations added to the stunnerd pods.'),
  command: z.array(z.string()).optional().describe('Entrypoint of the stunnerd container.'),
  args: z.array(z.string()).optional().describe('Arguments of the stunnerd container.'),
  envFrom: z.array(opaqueObject()).optional().describe('Sources of environment variables (EnvFromSource).'),
  env: z.array(opaqueObject()).optional().describe('Environment variables (EnvVar).'),
  containerSecurityContext: opaqueObject().optional().describe('SecurityContext of the stunnerd container.'),
  replicas: z.int32().min(0).optional().describe('Pods per Gateway; left to autoscalers when unset.'),
  resources: opaqueObject().optional().describe('Compute resources of the stunnerd container.'),
  terminationGracePeriodSeconds: z
    .int()
    .min(0)
    .default(DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
    .describe('Seconds stunnerd may drain allocations after SIGTERM.'),
  hostNetwork: z.boolean().optional().describe('Run the pods in the host network namespace.'),
  affinity: opaqueObject().optional().describe('Scheduling constraints (Affinity).'),
  securityContext: opaqueObject().optional().describe('PodSecurityContext.'),
  tolerations: z.array(opaqueObject()).optional().describe('Tolerations.'),
  topologySpreadConstraints: z.array(opaqueObject()).optional().describe('TopologySpreadConstraints.'),
  disableHealthCheck: z.boolean().optional().describe('Disable the health-check server on :8086 and the probes.'),
  enableMetricsEndpoint: z.boolean().optional().describe('Serve Prometheus metrics on :8080/metrics.'),
  offloadEngine: z.enum(['None', 'XDP', 'TC', 'Auto']).optional().describe('eBPF offload engine (enterprise).'),
  offloadInterfaces: z.array(z.string()).optional().describe('Interfaces to offload on; all when empty.'),
});

export const dataplaneSchema = z.object({
  apiVersion: z.literal('stunner.l7mp.io/v1'),
  kind: z.literal('Dataplane'),
  metadata: objectMetaSchema,
  spec: dataplaneSpecSchema,
});

export type Dataplane = z.output<typeof dataplaneSchema>;
export type DataplaneSpec = z.output<typeof dataplaneSpecSchema>;
