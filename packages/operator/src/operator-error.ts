/** Stable codes of the errors the operator throws; the message names the flag, file or request to fix. */
export type OperatorErrorCode =
  /** A command-line flag the parser does not know, or one given without its value. */
  | 'OPERATOR_ERR_FLAG_INVALID'
  /** A bind-address flag that is not `host:port`, `:port` or `0`. */
  | 'OPERATOR_ERR_FLAG_ADDRESS'
  /** A duration flag that is not a number with `ms`, `s` or `m`. */
  | 'OPERATOR_ERR_FLAG_DURATION'
  /** `--zap-log-level` that is neither a zap level, a verbosity nor a STUNner log spec. */
  | 'OPERATOR_ERR_FLAG_LOG_LEVEL'
  /** `--zap-encoder` other than `console` or `json`. */
  | 'OPERATOR_ERR_FLAG_LOG_FORMAT'
  /** `--config-discovery-address=0`: the dataplane has nowhere to fetch its config from. */
  | 'OPERATOR_ERR_FLAG_CDS_OFF'
  /** The kubeconfig names no usable cluster. */
  | 'OPERATOR_ERR_KUBECONFIG'
  /** The kube-apiserver answered with a non-2xx status (see `KubeApiError.status`). */
  | 'OPERATOR_ERR_KUBE_API'
  /** The kube-apiserver did not answer in time. */
  | 'OPERATOR_ERR_KUBE_TIMEOUT'
  /** The kube-apiserver answered 2xx with a body that is not JSON. */
  | 'OPERATOR_ERR_KUBE_BAD_RESPONSE';

export class OperatorError extends Error {
  readonly code: OperatorErrorCode;

  constructor(code: OperatorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OperatorError';
    this.code = code;
  }
}
