// The pure renderer. The running operator (Kubernetes client, CDS server) is `@stunner/operator/runtime`,
// so importing the renderer (stunnerctl) does not load @kubernetes/client-node.
export * from './render/kube-types.ts';
export { render } from './render/render.ts';
export * from './render/render-issue.ts';
export * from './render/render-result.ts';
export * from './render/snapshot.ts';
export * from './render/snapshot-from-manifests.ts';
