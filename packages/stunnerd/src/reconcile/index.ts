export * from './plan-reconcile.ts';
