/**
 * Stable codes of the errors stunnerd throws; the message says what to fix. The program prints the
 * code after the message, so a script or a search finds the cause without parsing the text.
 */
export type StunnerdErrorCode =
  /** `-h/--help`: the message is the usage text. */
  | 'STUNNERD_ERR_USAGE'
  /** `--log-format` is neither text nor json. */
  | 'STUNNERD_ERR_LOG_FORMAT'
  /** `-l/--log` is not a log spec (`scope:LEVEL[,...]`). */
  | 'STUNNERD_ERR_LOG_SPEC'
  /** `-u/--udp-thread-num` is not a whole number from 0 to 256. */
  | 'STUNNERD_ERR_UDP_THREAD_NUM'
  | 'STUNNERD_ERR_RATE_LIMIT'
  /** `--io` (or STUNNERD_IO) is neither dgram nor batch. */
  | 'STUNNERD_ERR_IO'
  /** More than one positional (quick-mode URI) argument. */
  | 'STUNNERD_ERR_ARGUMENTS'
  /** `-i/--id` is not `<namespace>/<name>`. */
  | 'STUNNERD_ERR_ID'
  /** The quick-mode `turn://` URI cannot be served. */
  | 'STUNNERD_ERR_QUICK_URI'
  /** `-c` names no origin stunnerd can read (kept as first published, before the STUNNERD_ prefix). */
  | 'STUNNER_ERR_CONFIG_ORIGIN'
  /** The config discovery service answered other than 200 to a one-shot read. */
  | 'STUNNERD_ERR_CDS_STATUS'
  /** `admin.healthcheck_endpoint` or `admin.metrics_endpoint` is not an http://host:port/path URL. */
  | 'STUNNERD_ERR_ADMIN_ENDPOINT'
  /** The health or metrics server cannot bind its endpoint. */
  | 'STUNNERD_ERR_ADMIN_LISTEN'
  /** A listener's socket cannot be bound (port taken, address not on this host). */
  | 'STUNNERD_ERR_LISTEN'
  /** A listener's `protocol` is not one stunnerd serves. */
  | 'STUNNERD_ERR_PROTOCOL'
  /** A TURN-TLS or TURN-DTLS listener lacks a usable certificate or key. */
  | 'STUNNERD_ERR_CERTIFICATE'
  /** A relay socket cannot be bound (the engine answers the Allocate with 508). */
  | 'STUNNERD_ERR_RELAY_BIND'
  /** A worker thread of a multi-threaded TURN-UDP listener could not start. */
  | 'STUNNERD_ERR_WORKER';

/** An error of stunnerd with a stable `code` and a message that says what to fix. */
export class StunnerdError extends Error {
  readonly code: StunnerdErrorCode;

  constructor(code: StunnerdErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StunnerdError';
    this.code = code;
  }
}
