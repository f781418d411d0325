export { ensureToolchain, hasToolchain, PROGRAM_OBJECT, PROGRAM_SOURCE, programObject } from './build-program.ts';
export { OffloadError, type OffloadErrorCode } from './errors.ts';
export { egressFor, type HostInterface, hostInterfaces, selectInterfaces } from './interfaces.ts';
export { type Binding, type BindingStats, MAX_BINDINGS, TcOffload } from './tc-offload.ts';
