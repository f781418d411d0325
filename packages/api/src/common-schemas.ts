// Building blocks shared by the stunner.l7mp.io CRD schemas (Gateway API shapes where STUNner reuses them).
import { z } from 'zod';

/** A Kubernetes object of arbitrary shape (affinity, resources, ...): kept as-is, not validated here. */
export const opaqueObject = () => z.looseObject({}).meta({ 'x-kubernetes-preserve-unknown-fields': true });

// Unquoted YAML scalars (`enable-mixed-protocol-lb: true`, as in STUNner's own docs) become strings, as
// kubectl users expect them to.
const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

export const objectMetaSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  generation: z.int().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().optional(),
});
export type ObjectMeta = z.output<typeof objectMetaSchema>;

/** Gateway API SecretObjectReference. */
export const secretObjectReferenceSchema = z.object({
  group: z.string().max(253).optional().describe('Group of the referent; "" (core) for a Secret.'),
  kind: z.string().max(63).optional().describe('Kind of the referent; Secret by default.'),
  name: z.string().min(1).max(253).describe('Name of the referent.'),
  namespace: z.string().max(63).optional().describe('Namespace of the referent; the referring object’s by default.'),
});

/** metav1.Condition. */
export const conditionSchema = z.object({
  type: z.string().max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  observedGeneration: z.int().min(0).optional(),
  lastTransitionTime: z.string(),
  reason: z.string().max(1024),
  message: z.string().max(32768),
});
export type Condition = z.output<typeof conditionSchema>;

/** Gateway API ParentReference. */
export const parentReferenceSchema = z.object({
  group: z.string().max(253).optional().describe('Group of the parent; gateway.networking.k8s.io by default.'),
  kind: z.string().max(63).optional().describe('Kind of the parent; Gateway by default.'),
  namespace: z.string().max(63).optional().describe('Namespace of the parent; the route’s by default.'),
  name: z.string().min(1).max(253).describe('Name of the parent Gateway.'),
  sectionName: z.string().max(253).optional().describe('Name of the Gateway listener to attach to.'),
  port: z.int32().min(1).max(65535).optional().describe('Port of the Gateway listener to attach to.'),
});
export type ParentReference = z.output<typeof parentReferenceSchema>;

/** Gateway API RouteParentStatus (as in the v1alpha2 UDPRouteStatus). */
export const routeStatusSchema = z.object({
  parents: z
    .array(
      z.object({
        parentRef: parentReferenceSchema,
        controllerName: z.string().min(1).max(253),
        conditions: z.array(conditionSchema).max(8).optional(),
      }),
    )
    .max(32)
    .default([]),
});
export type RouteStatus = z.output<typeof routeStatusSchema>;
