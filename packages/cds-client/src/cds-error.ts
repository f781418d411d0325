export type CdsErrorCode =
  /** The CDS did not answer (connection refused, DNS, timeout). */
  | 'CDS_ERR_UNREACHABLE'
  /** No config for the selected gateway (404). */
  | 'CDS_ERR_NOT_FOUND'
  /** Another status than 200. */
  | 'CDS_ERR_STATUS'
  /** The answer is not JSON, or not the config or list asked for. */
  | 'CDS_ERR_BODY'
  /** The bearer token file cannot be read, or is empty. */
  | 'CDS_ERR_TOKEN';

/** A failed CDS read. Callers add what to fix in their own terms (a flag, a Gateway name). */
export class CdsError extends Error {
  readonly code: CdsErrorCode;
  /** The HTTP status, when the CDS answered. */
  readonly status: number | undefined;
  readonly url: string;

  constructor(code: CdsErrorCode, message: string, url: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CdsError';
    this.code = code;
    this.status = options?.status;
    this.url = url;
  }
}

/** The innermost message of a fetch/socket failure (undici hides the reason in `cause`). */
export function causeMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  if (e instanceof AggregateError && e.errors.length > 0) return causeMessage(e.errors[0]);
  return e instanceof Error ? e.message || (e as { code?: string }).code || e.name : String(e);
}
