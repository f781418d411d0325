// UDPRoute status (§2.9): one parent entry per parentRef to one of our Gateways; entries of other
// controllers are kept.
import { GATEWAY_API_GROUP, type ParentReference, type UDPRoute } from '@stunner/api';
import { type ConditionInput, makeConditions } from './conditions.ts';
import type { StatusUpdate } from './render-result.ts';
import type { RenderOptions } from './snapshot.ts';

export interface ParentEntry {
  ref: ParentReference;
  accepted: Omit<ConditionInput, 'type'>;
}

const sameRef = (a: ParentReference, b: ParentReference): boolean =>
  a.name === b.name &&
  a.namespace === b.namespace &&
  a.sectionName === b.sectionName &&
  a.port === b.port &&
  (a.group ?? '') === (b.group ?? '') &&
  (a.kind ?? '') === (b.kind ?? '');

/**
 * The parentRef as STUNner writes it into the status (its setRouteConditionStatus): the name, plus group and
 * kind only when not the Gateway API Gateway (the upstream CRDs default them into the spec), namespace and
 * sectionName when given. A `port` is kept too: we attach by it.
 */
function statusRef(ref: ParentReference): ParentReference {
  const out: ParentReference = { name: ref.name };
  if (ref.group !== undefined && ref.group !== GATEWAY_API_GROUP) out.group = ref.group;
  if (ref.kind !== undefined && ref.kind !== 'Gateway') out.kind = ref.kind;
  if (ref.namespace !== undefined) out.namespace = ref.namespace;
  if (ref.sectionName !== undefined) out.sectionName = ref.sectionName;
  if (ref.port !== undefined) out.port = ref.port;
  return out;
}

export function routeStatus(
  route: UDPRoute,
  entries: ParentEntry[],
  resolved: Omit<ConditionInput, 'type'> | undefined,
  opts: RenderOptions,
): StatusUpdate {
  const previous = route.status?.parents ?? [];
  const ours = entries.map((e) => {
    const ref = statusRef(e.ref);
    const prev = previous.find((p) => p.controllerName === opts.controllerName && sameRef(p.parentRef, ref));
    const conditions: ConditionInput[] = [{ type: 'Accepted', ...e.accepted }];
    // A masked route is not rendered, so its references are not resolved either.
    conditions.push(
      resolved
        ? { type: 'ResolvedRefs', ...resolved }
        : { type: 'ResolvedRefs', status: 'False', reason: 'Pending', message: 'route is masked' },
    );
    return {
      parentRef: ref,
      controllerName: opts.controllerName,
      conditions: makeConditions(conditions, route.metadata.generation, prev?.conditions, opts.now),
    };
  });
  const others = previous.filter((p) => p.controllerName !== opts.controllerName);
  return {
    apiVersion: route.apiVersion,
    kind: 'UDPRoute',
    metadata: { name: route.metadata.name, namespace: route.metadata.namespace ?? 'default' },
    status: { parents: [...others, ...ours] },
  };
}
