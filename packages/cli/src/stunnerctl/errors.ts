/** Stable codes of stunnerctl's failures; the message says what to fix. */
export type StunnerctlErrorCode =
  | 'STUNNERCTL_ERR_USAGE'
  | 'STUNNERCTL_ERR_OUTPUT'
  | 'STUNNERCTL_ERR_KUBECONFIG'
  | 'STUNNERCTL_ERR_DISCOVERY'
  | 'STUNNERCTL_ERR_PORT_FORWARD'
  | 'STUNNERCTL_ERR_CDS'
  | 'STUNNERCTL_ERR_NOT_FOUND'
  | 'STUNNERCTL_ERR_STATUS'
  | 'STUNNERCTL_ERR_AUTH'
  | 'STUNNERCTL_ERR_ICETEST';

export class StunnerctlError extends Error {
  readonly code: StunnerctlErrorCode;

  constructor(code: StunnerctlErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StunnerctlError';
    this.code = code;
  }
}

/** The innermost message of a fetch/socket failure ("fetch failed" alone says nothing). */
export function causeMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  if (e instanceof AggregateError && e.errors.length > 0) return causeMessage(e.errors[0]);
  return e instanceof Error ? e.message || (e as { code?: string }).code || e.name : String(e);
}
