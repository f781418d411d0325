/** Stable codes of the errors the engine throws at its caller (never for what clients send). */
export type TurnEngineErrorCode = 'TURN_ERR_INVALID_OPTION' | 'TURN_ERR_INVALID_ARGUMENT';

/** Thrown for a programming or configuration mistake by the adapter; `code` is stable. */
export class TurnEngineError extends Error {
  readonly code: TurnEngineErrorCode;

  constructor(code: TurnEngineErrorCode, message: string) {
    super(message);
    this.name = 'TurnEngineError';
    this.code = code;
  }
}
