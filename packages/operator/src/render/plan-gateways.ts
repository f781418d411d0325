// Render phase 2: the Gateways of the classes we own, each with its annotations read and its listeners
// planned. Route attachment (phase 3) then fills in which routes each listener carries.
import type { Gateway } from '@stunner/api';
import { type GatewayKnobs, readGatewayKnobs } from './gateway-annotations.ts';
import { byNsName, key, type ObjectIndex } from './object-index.ts';
import { type ListenerPlan, planListeners } from './plan-listeners.ts';
import type { RenderIssue } from './render-issue.ts';
import type { ClassContext } from './resolve-class.ts';

export interface GatewayState {
  gateway: Gateway;
  cls: ClassContext;
  knobs: GatewayKnobs;
  plans: ListenerPlan[];
  /** Listener name → attached route keys (`<ns>/<name>`): the routes the listener serves. */
  attached: Map<string, Set<string>>;
  /**
   * Listener name → route keys that attach by the Gateway API rules alone (parentRef and allowedRoutes),
   * also to a conflicted listener that serves none of them: its status `attachedRoutes`, as STUNner counts.
   */
  counted: Map<string, Set<string>>;
}

export interface GatewayPlans {
  /** Our Gateways by `<ns>/<name>`, in name order. */
  ours: Map<string, GatewayState>;
  /** Gateways of classes we do not own: routes to them are another controller's business. */
  others: Set<string>;
}

export function planGateways(
  gateways: readonly Gateway[],
  classes: Map<string, ClassContext>,
  idx: ObjectIndex,
  issues: RenderIssue[],
): GatewayPlans {
  const ours = new Map<string, GatewayState>();
  for (const gw of [...gateways].sort(byNsName)) {
    const cls = classes.get(gw.spec.gatewayClassName);
    if (!cls) continue;
    const knobs = readGatewayKnobs(gw, cls.gatewayConfig, issues);
    ours.set(key(gw.metadata.namespace, gw.metadata.name), {
      gateway: gw,
      cls,
      knobs,
      plans: planListeners(gw, knobs, idx, issues),
      attached: new Map(),
      counted: new Map(),
    });
  }
  const others = new Set(gateways.map((g) => key(g.metadata.namespace, g.metadata.name)).filter((k) => !ours.has(k)));
  return { ours, others };
}
