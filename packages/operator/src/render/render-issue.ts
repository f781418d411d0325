// Problems found while rendering. The renderer never throws on bad input: each problem becomes an issue
// (and the status condition the reference prescribes) naming the object, the field and the fix.

export const ERR = {
  INVALID_PARAMETERS_REF: 'STUNNER_ERR_INVALID_PARAMETERS_REF',
  GATEWAY_CONFIG_NOT_FOUND: 'STUNNER_ERR_GATEWAY_CONFIG_NOT_FOUND',
  DATAPLANE_NOT_FOUND: 'STUNNER_ERR_DATAPLANE_NOT_FOUND',
  INVALID_AUTH: 'STUNNER_ERR_INVALID_AUTH',
  AUTH_SECRET_NOT_FOUND: 'STUNNER_ERR_AUTH_SECRET_NOT_FOUND',
  UNSUPPORTED_PROTOCOL: 'STUNNER_ERR_UNSUPPORTED_PROTOCOL',
  LISTENER_CONFLICT: 'STUNNER_ERR_LISTENER_CONFLICT',
  INVALID_CERTIFICATE_REF: 'STUNNER_ERR_INVALID_CERTIFICATE_REF',
  INVALID_BACKEND_KIND: 'STUNNER_ERR_INVALID_BACKEND_KIND',
  BACKEND_NOT_FOUND: 'STUNNER_ERR_BACKEND_NOT_FOUND',
  INCONSISTENT_CLUSTER_TYPE: 'STUNNER_ERR_INCONSISTENT_CLUSTER_TYPE',
  INVALID_ANNOTATION: 'STUNNER_ERR_INVALID_ANNOTATION',
  UNSUPPORTED_FEATURE: 'STUNNER_ERR_UNSUPPORTED_FEATURE',
} as const;
export type ErrorCode = (typeof ERR)[keyof typeof ERR];

export interface RenderIssue {
  code: ErrorCode;
  /** `Kind namespace/name` (or `Kind name` for cluster-scoped objects). */
  object: string;
  /** Dotted path of the offending field, when one is to blame. */
  field?: string;
  message: string;
}

export function objectId(kind: string, meta: { name: string; namespace?: string | undefined }): string {
  return meta.namespace ? `${kind} ${meta.namespace}/${meta.name}` : `${kind} ${meta.name}`;
}
