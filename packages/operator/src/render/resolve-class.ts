// A GatewayClass we own → its GatewayConfig, auth and Dataplane (§2.5). Any missing piece makes the class
// not Accepted (InvalidParameters) and its Gateways unrendered (§2.9).
import { type AuthConfig, type Dataplane, type GatewayClass, type GatewayConfig, GROUP } from '@stunner/api';
import type { ConditionInput } from './conditions.ts';
import { key, type ObjectIndex } from './object-index.ts';
import { renderAuth } from './render-auth.ts';
import { ERR, objectId, type RenderIssue } from './render-issue.ts';
import type { RenderOptions } from './snapshot.ts';

export interface ClassContext {
  gatewayClass: GatewayClass;
  gatewayConfig?: GatewayConfig;
  auth?: AuthConfig;
  dataplane?: Dataplane;
  /** Set when the class cannot be rendered; also the condition message. */
  error?: string;
  accepted: ConditionInput;
}

export function resolveClass(
  gwc: GatewayClass,
  idx: ObjectIndex,
  opts: RenderOptions,
  issues: RenderIssue[],
): ClassContext {
  const object = objectId('GatewayClass', gwc.metadata);
  const invalid = (code: RenderIssue['code'], field: string, message: string): ClassContext => {
    issues.push({ code, object, field, message });
    return {
      gatewayClass: gwc,
      error: message,
      accepted: { type: 'Accepted', status: 'False', reason: 'InvalidParameters', message },
    };
  };
  const ref = gwc.spec.parametersRef;
  if (
    !ref ||
    (ref.group ?? GROUP) !== GROUP ||
    (ref.kind ?? 'GatewayConfig') !== 'GatewayConfig' ||
    !ref.name ||
    !ref.namespace
  ) {
    return invalid(
      ERR.INVALID_PARAMETERS_REF,
      'spec.parametersRef',
      'parametersRef must name a stunner.l7mp.io GatewayConfig with a name and a namespace',
    );
  }
  const gc = idx.gatewayConfigs.get(key(ref.namespace, ref.name));
  if (!gc) {
    return invalid(
      ERR.GATEWAY_CONFIG_NOT_FOUND,
      'spec.parametersRef',
      `GatewayConfig ${ref.namespace}/${ref.name} not found: create it or fix parametersRef`,
    );
  }
  const auth = renderAuth(gc, idx);
  if (auth.issue) {
    issues.push(auth.issue);
    const message = `invalid GatewayConfig ${ref.namespace}/${ref.name}: ${auth.issue.message}`;
    return {
      gatewayClass: gwc,
      gatewayConfig: gc,
      error: message,
      accepted: { type: 'Accepted', status: 'False', reason: 'InvalidParameters', message },
    };
  }
  const ctx: ClassContext = {
    gatewayClass: gwc,
    gatewayConfig: gc,
    auth: auth.auth,
    accepted: {
      type: 'Accepted',
      status: 'True',
      reason: 'Accepted',
      message: `GatewayClass is now managed by controller ${opts.controllerName}`,
    },
  };
  // The legacy dataplane is user-provided: only managed mode needs a Dataplane template (§2.1).
  if (opts.dataplaneMode === 'managed') {
    const dp = idx.dataplanes.get(gc.spec.dataplane);
    if (!dp) {
      const message = `Dataplane ${gc.spec.dataplane} not found: create it or fix spec.dataplane of GatewayConfig ${ref.namespace}/${ref.name}`;
      issues.push({
        code: ERR.DATAPLANE_NOT_FOUND,
        object: objectId('GatewayConfig', gc.metadata),
        field: 'spec.dataplane',
        message,
      });
      return {
        ...ctx,
        error: message,
        accepted: { type: 'Accepted', status: 'False', reason: 'InvalidParameters', message },
      };
    }
    ctx.dataplane = dp;
  }
  return ctx;
}
