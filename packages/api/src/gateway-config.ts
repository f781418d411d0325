// GatewayConfig (stunner.l7mp.io/v1, v1alpha1 still served): the authentication and dataplane settings of a
// GatewayClass hierarchy (reference/stunner-v1.md §2.4; Gateway API reference "GatewayConfig").
import { z } from 'zod';
import { objectMetaSchema, secretObjectReferenceSchema } from './common-schemas.ts';
import { DEFAULT_DATAPLANE_NAME, DEFAULT_REALM } from './constants.ts';

export const REALM_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const AUTH_TYPE_PATTERN = /^plaintext|static|longterm|ephemeral|timewindowed$/;
// RFC 7230 token characters: what STUNner accepts in inline credentials.
export const TOKEN_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const common = {
  realm: z
    .string()
    .regex(REALM_PATTERN)
    .default(DEFAULT_REALM)
    .describe('STUN/TURN authentication realm; changing it restarts every listener.'),
  authType: z
    .string()
    .regex(AUTH_TYPE_PATTERN)
    .default('plaintext')
    .describe('plaintext|static (username/password) or longterm|ephemeral|timewindowed (shared secret).'),
  userName: z.string().regex(TOKEN_PATTERN).optional().describe('Username for static authentication.'),
  password: z.string().regex(TOKEN_PATTERN).optional().describe('Password for static authentication.'),
  sharedSecret: z.string().optional().describe('Shared secret for ephemeral authentication.'),
  authLifetime: z.int32().min(1).optional().describe('Lifetime of ephemeral credentials in seconds (unused).'),
  authRef: secretObjectReferenceSchema
    .optional()
    .describe('Secret holding the authentication settings; overrides the inline ones.'),
  loadBalancerServiceAnnotations: z
    .record(z.string(), z.string())
    .optional()
    .describe('Annotations copied to every Gateway Service; Gateway annotations win on conflict.'),
  logLevel: z.string().optional().describe('Dataplane log level, e.g. all:INFO,turn:DEBUG.'),
};

export const gatewayConfigSpecSchema = z.object({
  dataplane: z
    .string()
    .default(DEFAULT_DATAPLANE_NAME)
    .describe('Name of the Dataplane template for the stunnerd pods.'),
  stunMode: z.boolean().optional().describe('Serve STUN only (premium).'),
  ...common,
  userQuota: z.int32().min(0).optional().describe('Allocations allowed per user (premium).'),
  bandwidthLimit: z
    .int32()
    .min(0)
    .optional()
    .describe(
      'Relayed bytes per second each allocation may use, in each direction; traffic beyond it is dropped and counted in stunner_listener_bandwidth_dropped_*. Not in STUNner. 0 or unset: no limit.',
    ),
});

export const gatewayConfigV1Alpha1SpecSchema = z.object({
  stunnerConfig: z
    .string()
    .default('stunnerd-config')
    .describe('Name of the ConfigMap the legacy dataplane reads its config from.'),
  ...common,
  metricsEndpoint: z.string().optional().describe('Prometheus metrics endpoint URL.'),
  healthCheckEndpoint: z.string().optional().describe('Health-check endpoint URL.'),
});

export const gatewayConfigSchema = z.object({
  apiVersion: z.literal('stunner.l7mp.io/v1'),
  kind: z.literal('GatewayConfig'),
  metadata: objectMetaSchema,
  spec: gatewayConfigSpecSchema,
});

export const gatewayConfigV1Alpha1Schema = z.object({
  apiVersion: z.literal('stunner.l7mp.io/v1alpha1'),
  kind: z.literal('GatewayConfig'),
  metadata: objectMetaSchema,
  spec: gatewayConfigV1Alpha1SpecSchema,
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfigSpec = z.output<typeof gatewayConfigSpecSchema>;

/** v1alpha1 → v1: the fields v1 dropped (ConfigMap name, endpoints) are ignored, like upstream's conversion. */
export function gatewayConfigToV1(gc: z.output<typeof gatewayConfigV1Alpha1Schema>): GatewayConfig {
  const { stunnerConfig: _c, metricsEndpoint: _m, healthCheckEndpoint: _h, ...rest } = gc.spec;
  return {
    apiVersion: 'stunner.l7mp.io/v1',
    kind: 'GatewayConfig',
    metadata: gc.metadata,
    spec: { dataplane: DEFAULT_DATAPLANE_NAME, ...rest },
  };
}
