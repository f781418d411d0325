/** Stable codes of turncat's own failures (TURN failures keep the client library's codes). */
export type TurncatErrorCode =
  | 'TURNCAT_ERR_USAGE'
  | 'TURNCAT_ERR_CLIENT_ADDRESS'
  | 'TURNCAT_ERR_SERVER_URI'
  | 'TURNCAT_ERR_PEER_ADDRESS'
  | 'TURNCAT_ERR_CDS'
  | 'TURNCAT_ERR_LISTENER';

export class TurncatError extends Error {
  readonly code: TurncatErrorCode;

  constructor(code: TurncatErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TurncatError';
    this.code = code;
  }
}
