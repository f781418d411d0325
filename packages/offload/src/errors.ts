/** Stable codes of the offload errors; the message says what to fix. */
export type OffloadErrorCode =
  /** libbpf.so.1 cannot be loaded. */
  | 'OFFLOAD_ERR_LIBBPF'
  /** The compiled program is missing and cannot be built (clang, libbpf-dev). */
  | 'OFFLOAD_ERR_BUILD'
  /** The kernel refused the program or a map (no CAP_BPF/CAP_SYS_ADMIN, verifier, memlock). */
  | 'OFFLOAD_ERR_LOAD'
  /** The program cannot be attached to an interface (no CAP_NET_ADMIN, no such interface). */
  | 'OFFLOAD_ERR_ATTACH'
  /** A map update or delete failed (map full, closed). */
  | 'OFFLOAD_ERR_MAP'
  /** `offload_engine` names an engine this build does not have. */
  | 'OFFLOAD_ERR_ENGINE';

export class OffloadError extends Error {
  readonly code: OffloadErrorCode;

  constructor(code: OffloadErrorCode, message: string, options?: ErrorOptions) {
    super(`${message} [${code}]`, options);
    this.name = 'OffloadError';
    this.code = code;
  }
}
