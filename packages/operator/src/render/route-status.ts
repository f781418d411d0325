// UDPRoute status (§2.9): one parent entry per parentRef to one of our Gateways; entries of other
// controllers are kept.
import type { ParentReference, UDPRoute } from '@stunner/api';
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

export function routeStatus(
  route: UDPRoute,
  entries: ParentEntry[],
  resolved: Omit<ConditionInput, 'type'> | undefined,
  opts: RenderOptions,
): StatusUpdate {
  const previous = route.status?.parents ?? [];
  const ours = entries.map((e) => {
    const prev = previous.find((p) => p.controllerName === opts.controllerName && sameRef(p.parentRef, e.ref));
    const conditions: ConditionInput[] = [{ type: 'Accepted', ...e.accepted }];
    // A masked route is not rendered, so its references are not resolved either.
    conditions.push(
      resolved
        ? { type: 'ResolvedRefs', ...resolved }
        : { type: 'ResolvedRefs', status: 'False', reason: 'Pending', message: 'route is masked' },
    );
    return {
      parentRef: e.ref,
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
