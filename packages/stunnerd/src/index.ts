export * from './binding-responder.ts';
export * from './binding-server.ts';
export * from './peer-filter/index.ts';
