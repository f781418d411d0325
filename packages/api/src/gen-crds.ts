// `npm run gen:crds`: writes deploy/crds/ from the schemas (the CRD-diff test keeps it in sync).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCrdFiles } from './crd-yaml.ts';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy/crds');
mkdirSync(dir, { recursive: true });
const files = generateCrdFiles();
for (const f of readdirSync(dir)) if (f.endsWith('.yaml') && !files.has(f)) rmSync(join(dir, f));
for (const [name, text] of files) writeFileSync(join(dir, name), text);
process.stdout.write(`wrote ${files.size} CRDs to ${dir}\n`);
