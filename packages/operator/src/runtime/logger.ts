// A minimal leveled logger writing one line per message to stderr (the operator's --zap-log-level subset).
export type LogLevel = 'debug' | 'info' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  error(msg: string): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, error: 2 };

export function makeLogger(
  scope: string,
  level: LogLevel = 'info',
  sink: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const at = (lvl: LogLevel) => (msg: string) => {
    if (ORDER[lvl] >= ORDER[level]) sink(`${new Date().toISOString()} ${lvl.toUpperCase()} ${scope}: ${msg}\n`);
  };
  return { debug: at('debug'), info: at('info'), error: at('error') };
}
