export * from './helm.ts';
export * from './helm-binary.ts';
export * from './kube-apply.ts';
export * from './manifests.ts';
export * from './operator-process.ts';
export * from './quickstart.ts';
export * from './service-account-kubeconfig.ts';
export * from './value-combinations.ts';
