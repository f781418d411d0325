// @stunner/local: local mode (`npm start`), the Gateway API manifests served on this machine.
export * from './errors.ts';
export * from './local-dataplane.ts';
export * from './local-flags.ts';
export * from './local-mode.ts';
export * from './local-render.ts';
export * from './manifest-files.ts';
export * from './summary.ts';
