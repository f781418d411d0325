// stunnerctl's building blocks for tests across packages (packages/e2e): Kubernetes discovery and the
// CDS client, as the program uses them.
export { CdsClient } from './cds-client.ts';
export { Discovery } from './discovery.ts';
