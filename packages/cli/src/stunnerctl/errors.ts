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
  | 'STUNNERCTL_ERR_ICETEST'
  | 'STUNNERCTL_ERR_DASHBOARD';

export class StunnerctlError extends Error {
  readonly code: StunnerctlErrorCode;

  constructor(code: StunnerctlErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StunnerctlError';
    this.code = code;
  }
}

/** The innermost message of a failure (undici and ws hide the reason in `cause`). */
export { causeMessage } from '@stunner/cds-client';
