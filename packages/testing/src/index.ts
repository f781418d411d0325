export * from './kube/admin-client.ts';
export * from './kube/control-plane.ts';
export * from './kube/free-port.ts';
export * from './kube/gateway-api-crds.ts';
export * from './kube/kube-binaries.ts';
export * from './kube/wait-until.ts';
