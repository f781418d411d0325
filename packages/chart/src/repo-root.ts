// The repository checkout this package lives in (the chart, manifests and docs are files of it).
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');
