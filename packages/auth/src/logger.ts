// What the auth library logs through: the methods of @stunner/log's Logger that it calls, so an app
// server may pass that Logger or its own (pino, console-like) object.
import type { LogFields } from '@stunner/log';

export interface AuthLogger {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
}

/** A logger that drops everything (the library default). */
export const silentLogger: AuthLogger = { error() {}, warn() {}, info() {}, debug() {} };
