export * from './read-manifests.ts';
export * from './render-command.ts';
