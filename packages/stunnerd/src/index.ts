export * from './binding-responder.ts';
export * from './binding-server.ts';
