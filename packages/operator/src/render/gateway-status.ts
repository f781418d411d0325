// Gateway status (§2.8–2.9): Accepted/Programmed, the discovered address, per-listener conditions.
import { GATEWAY_API_GROUP, type Gateway, GROUP } from '@stunner/api';
import { type ConditionInput, makeConditions } from './conditions.ts';
import type { ListenerPlan } from './plan-listeners.ts';
import { addressType, type PublicAddress } from './public-address.ts';
import type { StatusUpdate } from './render-result.ts';
import type { ClassContext } from './resolve-class.ts';
import type { RenderOptions } from './snapshot.ts';

// STUNner's order (gateway.networking.k8s.io first): a handover between the operators rewrites no status.
const SUPPORTED_KINDS = [
  { group: GATEWAY_API_GROUP, kind: 'UDPRoute' },
  { group: GROUP, kind: 'UDPRoute' },
];

function gatewayConditions(
  plans: ListenerPlan[],
  pubs: Map<string, PublicAddress | undefined>,
  cls: ClassContext,
): ConditionInput[] {
  if (cls.error) {
    return [
      { type: 'Accepted', status: 'False', reason: 'Pending', message: `GatewayClass not accepted: ${cls.error}` },
      { type: 'Programmed', status: 'False', reason: 'Invalid', message: cls.error },
    ];
  }
  const accepted: ConditionInput = {
    type: 'Accepted',
    status: 'True',
    reason: 'Accepted',
    message: 'gateway accepted',
  };
  const ready = plans.filter((p) => p.ready);
  if (ready.length === 0) {
    return [accepted, { type: 'Programmed', status: 'False', reason: 'Invalid', message: 'no valid listener' }];
  }
  const missing = ready.filter((p) => !pubs.get(p.listener.name)).map((p) => p.listener.name);
  if (missing.length > 0) {
    return [
      accepted,
      {
        type: 'Programmed',
        status: 'False',
        reason: 'AddressNotAssigned',
        message: `no public address found for listener(s) ${missing.join(', ')}`,
      },
    ];
  }
  return [
    accepted,
    {
      type: 'Programmed',
      status: 'True',
      reason: 'Programmed',
      message: 'dataplane configuration successfully rendered',
    },
  ];
}

/**
 * The listeners of a Gateway whose GatewayClass or GatewayConfig is invalid are not evaluated for
 * acceptance: Accepted=Unknown/Pending until the class is fixed (STUNner §2.9); Conflicted and ResolvedRefs
 * still say what the listener itself looks like.
 */
function pendingListener(conditions: ConditionInput[], classError: string): ConditionInput[] {
  return conditions.map((c) =>
    c.type === 'Accepted'
      ? { type: 'Accepted', status: 'Unknown', reason: 'Pending', message: `pending: ${classError}` }
      : c,
  );
}

export function gatewayStatus(
  gw: Gateway,
  plans: ListenerPlan[],
  counted: Map<string, Set<string>>,
  pubs: Map<string, PublicAddress | undefined>,
  cls: ClassContext,
  opts: RenderOptions,
): StatusUpdate {
  const gen = gw.metadata.generation;
  const prev = gw.status;
  const first = [...pubs.values()].find((p) => p !== undefined);
  const status: Record<string, unknown> = {};
  if (first) status.addresses = [{ type: addressType(first.address), value: first.address }];
  status.conditions = makeConditions(gatewayConditions(plans, pubs, cls), gen, prev?.conditions, opts.now);
  status.listeners = plans.map((p) => ({
    name: p.listener.name,
    supportedKinds: SUPPORTED_KINDS,
    // A Gateway of an invalid class carries no routes: nothing is programmed for it (as STUNner counts).
    attachedRoutes: cls.error ? 0 : (counted.get(p.listener.name)?.size ?? 0),
    conditions: makeConditions(
      cls.error ? pendingListener(p.conditions, cls.error) : p.conditions,
      gen,
      prev?.listeners?.find((l) => l.name === p.listener.name)?.conditions,
      opts.now,
    ),
  }));
  return {
    apiVersion: gw.apiVersion,
    kind: 'Gateway',
    metadata: { name: gw.metadata.name, namespace: gw.metadata.namespace ?? 'default' },
    status,
  };
}
