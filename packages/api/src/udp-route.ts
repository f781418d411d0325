// UDPRoute (stunner.l7mp.io/v1): which backends peers may be reached at through a Gateway (§2.4).
// The official gateway.networking.k8s.io/v1alpha2 UDPRoute is parsed by the same schema (its port is ignored).
import { z } from 'zod';
import { objectMetaSchema, parentReferenceSchema, routeStatusSchema } from './common-schemas.ts';

export const backendRefSchema = z.object({
  group: z.string().max(253).optional().describe('"" for a Service, stunner.l7mp.io for a StaticService.'),
  kind: z.string().max(63).optional().describe('Service (default) or StaticService.'),
  name: z.string().min(1).max(253).describe('Name of the backend.'),
  namespace: z.string().max(63).optional().describe('Namespace of the backend; the route’s by default.'),
  port: z.int32().min(0).max(65535).optional().describe('First peer port admitted; all ports when unset.'),
  endPort: z.int32().min(0).max(65535).optional().describe('Last peer port admitted; port when unset.'),
});

/** A port range must be a range: endPort needs port and may not precede it (Gateway API reference). */
const checkedBackendRef = backendRefSchema.superRefine((b, ctx) => {
  if (b.endPort === undefined) return;
  if (b.port === undefined) ctx.addIssue({ code: 'custom', path: ['endPort'], message: 'endPort needs port' });
  else if (b.endPort < b.port) ctx.addIssue({ code: 'custom', path: ['endPort'], message: 'endPort must be >= port' });
});
export type BackendRef = z.output<typeof backendRefSchema>;

export const udpRouteSpecSchema = z.object({
  parentRefs: z.array(parentReferenceSchema).max(32).optional().describe('Gateways (and listeners) to attach to.'),
  rules: z
    .array(
      z.object({
        name: z.string().max(253).optional(),
        backendRefs: z.array(checkedBackendRef).min(1).max(16).describe('Backends reachable through the route.'),
      }),
    )
    .min(1)
    .max(16)
    .describe('Route rules; STUNner-TS admits the backends of every rule.'),
});

export const udpRouteSchema = z.object({
  apiVersion: z.literal('stunner.l7mp.io/v1'),
  kind: z.literal('UDPRoute'),
  metadata: objectMetaSchema,
  spec: udpRouteSpecSchema,
  status: routeStatusSchema.optional(),
});

export const udpRouteV1Alpha2Schema = z.object({
  apiVersion: z.literal('gateway.networking.k8s.io/v1alpha2'),
  kind: z.literal('UDPRoute'),
  metadata: objectMetaSchema,
  spec: udpRouteSpecSchema,
  status: routeStatusSchema.optional(),
});

export type UDPRoute = z.output<typeof udpRouteSchema> | z.output<typeof udpRouteV1Alpha2Schema>;
