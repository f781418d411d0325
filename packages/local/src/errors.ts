export type LocalErrorCode =
  | 'LOCAL_ERR_FLAGS'
  | 'LOCAL_ERR_MANIFESTS'
  | 'LOCAL_ERR_LISTEN'
  | 'LOCAL_ERR_DATAPLANE'
  | 'LOCAL_ERR_STARTUP';

/** A local-mode failure; at start-up its message is the one line printed before exiting. */
export class LocalError extends Error {
  readonly code: LocalErrorCode;

  constructor(code: LocalErrorCode, message: string) {
    super(message);
    this.name = 'LocalError';
    this.code = code;
  }
}

/** A bind error, reworded to say what to do about it. */
export function describeListenError(err: unknown): string {
  const message = (err as Error).message;
  if (/EADDRINUSE/.test(message)) {
    return `${message}: the port is in use (another STUNner running?); stop it, or run with --port-offset N`;
  }
  if (/EACCES/.test(message)) return `${message}: not allowed to bind this port; use a port above 1023`;
  return message;
}
