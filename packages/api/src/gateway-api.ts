// The Gateway API objects the operator reads (gateway.networking.k8s.io v1, v1beta1 and v1alpha2), parsed
// leniently: only the fields STUNner uses are checked, everything else is kept.
import { z } from 'zod';
import { conditionSchema, objectMetaSchema, secretObjectReferenceSchema } from './common-schemas.ts';

const gatewayApiVersion = z.enum([
  'gateway.networking.k8s.io/v1',
  'gateway.networking.k8s.io/v1beta1',
  'gateway.networking.k8s.io/v1alpha2',
]);

export const gatewayClassSchema = z.looseObject({
  apiVersion: gatewayApiVersion,
  kind: z.literal('GatewayClass'),
  metadata: objectMetaSchema,
  spec: z.looseObject({
    controllerName: z.string().min(1),
    parametersRef: z
      .looseObject({
        group: z.string().optional(),
        kind: z.string().optional(),
        name: z.string(),
        namespace: z.string().optional(),
      })
      .optional(),
    description: z.string().optional(),
  }),
  status: z.looseObject({ conditions: z.array(conditionSchema).optional() }).optional(),
});
export type GatewayClass = z.output<typeof gatewayClassSchema>;

const labelSelectorSchema = z.looseObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
    .optional(),
});
export type LabelSelector = z.output<typeof labelSelectorSchema>;

export const gatewayListenerSchema = z.looseObject({
  name: z.string().min(1),
  hostname: z.string().optional(),
  port: z.int().min(1).max(65535),
  protocol: z.string().min(1),
  tls: z
    .looseObject({
      mode: z.string().optional(),
      certificateRefs: z.array(secretObjectReferenceSchema).optional(),
    })
    .optional(),
  allowedRoutes: z
    .looseObject({
      namespaces: z
        .looseObject({ from: z.enum(['All', 'Same', 'Selector']).optional(), selector: labelSelectorSchema.optional() })
        .optional(),
      kinds: z.array(z.looseObject({ group: z.string().optional(), kind: z.string() })).optional(),
    })
    .optional(),
});
export type GatewayListener = z.output<typeof gatewayListenerSchema>;

export const gatewayAddressSchema = z.looseObject({ type: z.string().optional(), value: z.string() });

export const listenerStatusSchema = z.object({
  name: z.string(),
  supportedKinds: z.array(z.object({ group: z.string(), kind: z.string() })),
  attachedRoutes: z.int(),
  conditions: z.array(conditionSchema),
});
export type ListenerStatus = z.output<typeof listenerStatusSchema>;

export const gatewayStatusSchema = z.looseObject({
  addresses: z.array(gatewayAddressSchema).optional(),
  conditions: z.array(conditionSchema).optional(),
  listeners: z.array(listenerStatusSchema).optional(),
});
export type GatewayStatus = z.output<typeof gatewayStatusSchema>;

export const gatewaySchema = z.looseObject({
  apiVersion: gatewayApiVersion,
  kind: z.literal('Gateway'),
  metadata: objectMetaSchema,
  spec: z.looseObject({
    gatewayClassName: z.string().min(1),
    listeners: z.array(gatewayListenerSchema).min(1).max(64),
    addresses: z.array(gatewayAddressSchema).optional(),
  }),
  status: gatewayStatusSchema.optional(),
});
export type Gateway = z.output<typeof gatewaySchema>;
