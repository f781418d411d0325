/** Stable codes of the errors this package throws. */
export type LogErrorCode = 'LOG_ERR_BAD_SPEC' | 'LOG_ERR_BAD_FORMAT';

/** One item of a log spec that cannot be used, and why. */
export interface LogSpecProblem {
  /** The item as written, e.g. `turn:LOUD`. */
  readonly item: string;
  /** What is wrong with it and what to write instead. */
  readonly reason: string;
}

export class LogError extends Error {
  readonly code: LogErrorCode;

  constructor(code: LogErrorCode, message: string) {
    super(message);
    this.name = 'LogError';
    this.code = code;
  }
}

/** A malformed log spec; `problems` lists every bad item, the message says how to fix each. */
export class LogSpecError extends LogError {
  readonly problems: readonly LogSpecProblem[];

  constructor(spec: string, problems: readonly LogSpecProblem[]) {
    super(
      'LOG_ERR_BAD_SPEC',
      `invalid log spec "${spec}": ${problems.map((p) => p.reason).join('; ')}` +
        ' (write <scope>:<LEVEL>[,<scope>:<LEVEL>...], e.g. all:INFO,turn:DEBUG)',
    );
    this.name = 'LogSpecError';
    this.problems = problems;
  }
}
