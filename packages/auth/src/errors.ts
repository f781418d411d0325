/** Stable codes of everything the auth library and authd refuse; `status` is the HTTP answer. */
export type AuthErrorCode =
  | 'AUTH_ERR_BAD_SERVICE'
  | 'AUTH_ERR_BAD_QUERY'
  | 'AUTH_ERR_NO_CONFIG'
  | 'AUTH_ERR_NO_LISTENER'
  | 'AUTH_ERR_INVALID_CONFIG'
  | 'AUTH_ERR_UNAUTHORIZED'
  | 'AUTH_ERR_RATE_LIMITED'
  | 'AUTH_ERR_FLAGS'
  | 'AUTH_ERR_CONFIG_SOURCE'
  | 'AUTH_ERR_FETCH';

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  /** HTTP status authd answers with (STUNner's where STUNner has one, stunner-v1.md §3). */
  readonly status: number;

  constructor(code: AuthErrorCode, status: number, message: string) {
    super(message);
    this.name = 'AuthError';
    this.code = code;
    this.status = status;
  }
}
