// stunnerd config, API version v1 (reference/stunner-v1.md §1.1–1.3): the JSON/YAML document the
// operator renders, the CDS server serves and stunnerd reconciles. Keys are snake_case as upstream.
import { z } from 'zod';
import { DEFAULT_HEALTHCHECK_ENDPOINT, DEFAULT_LOGLEVEL, DEFAULT_PORT, DEFAULT_REALM } from './constants.ts';

export const LISTENER_PROTOCOLS = ['TURN-UDP', 'TURN-TCP', 'TURN-TLS', 'TURN-DTLS'] as const;
export type ListenerProtocol = (typeof LISTENER_PROTOCOLS)[number];

/** Aliases accepted on input (§1.1): bare L4 names and any letter case map onto the TURN-* names. */
export function normalizeListenerProtocol(p: string): ListenerProtocol | undefined {
  const up = p.toUpperCase();
  const full = up.startsWith('TURN-') ? up : `TURN-${up}`;
  return (LISTENER_PROTOCOLS as readonly string[]).includes(full) ? (full as ListenerProtocol) : undefined;
}

export const OFFLOAD_ENGINES = ['None', 'XDP', 'TC', 'Auto'] as const;
export type OffloadEngine = (typeof OFFLOAD_ENGINES)[number];

export function normalizeOffloadEngine(e: string): OffloadEngine | undefined {
  return OFFLOAD_ENGINES.find((x) => x.toLowerCase() === e.toLowerCase());
}

export const AUTH_TYPES = ['static', 'ephemeral', 'none'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** `plaintext` → static; `longterm`/`timewindowed` → ephemeral (§1.1, §2.4). */
export function normalizeAuthType(t: string): AuthType | undefined {
  switch (t.toLowerCase()) {
    case 'static':
    case 'plaintext':
      return 'static';
    case 'ephemeral':
    case 'longterm':
    case 'timewindowed':
      return 'ephemeral';
    case 'none':
      return 'none';
    default:
      return undefined;
  }
}

export const adminConfigSchema = z.object({
  name: z.string().default('default-stunnerd'),
  loglevel: z.string().default(DEFAULT_LOGLEVEL),
  metrics_endpoint: z.string().optional(),
  // null/absent means the default health server; "" disables it (§1.1).
  healthcheck_endpoint: z.string().nullish(),
  // Negative quotas mean none (§1.1).
  user_quota: z
    .int()
    .transform((q) => Math.max(q, 0))
    .optional(),
  // Ours, not STUNner's: relayed bytes per second per allocation, each direction; beyond it traffic is
  // dropped and counted. Absent or 0: no limit.
  bandwidth_limit: z.int().min(0).optional(),
  offload_engine: z
    .string()
    .refine((e) => normalizeOffloadEngine(e) !== undefined, { message: 'use None, XDP, TC or Auto' })
    .transform((e) => normalizeOffloadEngine(e)!)
    .optional(),
  offload_interfaces: z.array(z.string()).optional(),
  license_config: z.object({ key: z.string().optional(), hmac: z.string().optional() }).optional(),
});

export const authConfigSchema = z
  .object({
    type: z.string().default('static'),
    realm: z.string().default(DEFAULT_REALM),
    credentials: z.record(z.string(), z.string()).default({}),
  })
  .superRefine((a, ctx) => {
    const type = normalizeAuthType(a.type);
    if (!type) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `invalid auth type "${a.type}"` });
      return;
    }
    const need = type === 'static' ? ['username', 'password'] : type === 'ephemeral' ? ['secret'] : [];
    for (const k of need) {
      if (a.credentials[k] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['credentials', k], message: `${type} auth requires "${k}"` });
      }
    }
  })
  .transform((a) => ({ ...a, type: normalizeAuthType(a.type)! }));

export const listenerConfigSchema = z.object({
  name: z.string().min(1),
  protocol: z
    .string()
    .default('TURN-UDP')
    .refine((p) => normalizeListenerProtocol(p) !== undefined, { message: 'unknown listener protocol' })
    .transform((p) => normalizeListenerProtocol(p)!),
  public_address: z.string().optional(),
  public_port: z.int().min(0).max(65535).optional(),
  address: z.string().default('0.0.0.0'),
  port: z.int().min(1).max(65535).default(DEFAULT_PORT),
  cert: z.string().optional(),
  key: z.string().optional(),
  routes: z
    .array(z.string())
    .default([])
    .transform((r) => [...r].sort()),
});

export const clusterConfigSchema = z.object({
  name: z.string().min(1),
  type: z.enum(['STATIC', 'STRICT_DNS']).default('STATIC'),
  protocol: z.enum(['UDP', 'TCP']).default('UDP'),
  endpoints: z
    .array(z.string())
    .default([])
    .transform((e) => [...e].sort()),
});

export const stunnerConfigSchema = z.object({
  // v1alpha1 files share the field names; keys v1 dropped (min/max relay port) are stripped (§1.3).
  version: z.enum(['v1', 'v1alpha1'], { error: 'unsupported API version' }).transform((): 'v1' => 'v1'),
  admin: adminConfigSchema.default({ name: 'default-stunnerd', loglevel: DEFAULT_LOGLEVEL }),
  auth: authConfigSchema,
  listeners: z
    .array(listenerConfigSchema)
    .nullish()
    .transform((l) => l ?? []),
  clusters: z
    .array(clusterConfigSchema)
    .nullish()
    .transform((c) => c ?? []),
});

export type AdminConfig = z.output<typeof adminConfigSchema>;
export type AuthConfig = z.output<typeof authConfigSchema>;
export type ListenerConfig = z.output<typeof listenerConfigSchema>;
export type ClusterConfig = z.output<typeof clusterConfigSchema>;
export type StunnerConfig = z.output<typeof stunnerConfigSchema>;

/** The config CDS sends for a deleted Gateway and stunnerd starts watch mode with (§1.3). */
export function zeroConfig(name: string): StunnerConfig {
  return {
    version: 'v1',
    admin: { name, loglevel: DEFAULT_LOGLEVEL },
    auth: {
      type: 'static',
      realm: DEFAULT_REALM,
      credentials: { username: 'dummy-username', password: 'dummy-password' },
    },
    listeners: [],
    clusters: [],
  };
}

/** The health server stunnerd runs when the key is absent (§1.1). */
export function effectiveHealthcheckEndpoint(admin: AdminConfig): string {
  return admin.healthcheck_endpoint ?? DEFAULT_HEALTHCHECK_ENDPOINT;
}
