export * from './read-manifests.ts';
export * from './render-command.ts';
export { GREETING, startUdpGreeter } from './udp-greeter.ts';
