// `npm run gen:manifests`: rewrites the generated files of deploy/manifests/ from the chart.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedManifests, MANIFESTS_DIR } from './manifests.ts';

mkdirSync(MANIFESTS_DIR, { recursive: true });
for (const [name, text] of generatedManifests()) {
  writeFileSync(join(MANIFESTS_DIR, name), text);
  process.stdout.write(`wrote deploy/manifests/${name}\n`);
}
