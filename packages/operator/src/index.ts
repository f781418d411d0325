// The pure renderer. The running operator (Kubernetes client, CDS server) is `@stunner/operator/runtime`,
// so importing the renderer (stunnerctl) does not load @kubernetes/client-node.
export * from './kube-types.ts';
export { render } from './render.ts';
export * from './render-issue.ts';
export * from './render-result.ts';
export * from './snapshot.ts';
export * from './snapshot-from-manifests.ts';
