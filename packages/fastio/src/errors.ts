/** Stable codes of @stunner/fastio errors. */
export type FastIoErrorCode =
  | 'FASTIO_ERR_UNAVAILABLE'
  | 'FASTIO_ERR_SOCKET'
  | 'FASTIO_ERR_CLOSED'
  | 'FASTIO_ERR_ADDRESS';

export class FastIoError extends Error {
  readonly code: FastIoErrorCode | string;

  constructor(code: FastIoErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FastIoError';
    this.code = code;
  }
}

/** A failed socket call, with Node's errno name as `code` (EADDRINUSE, …) so callers test it as with dgram. */
export class SocketCallError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;

  constructor(syscall: string, errno: number, code: string) {
    super(`${syscall} failed: ${code} (FASTIO_ERR_SOCKET)`);
    this.name = 'SocketCallError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}
