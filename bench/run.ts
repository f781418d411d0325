// `npm run bench -- <name> [--json]`: runs bench/<name>.ts. Each benchmark module exports
// `run(): Promise<BenchResult>`; figures are printed one per line, and with --json the last
// line printed is one JSON object of all figures (for scripts and closing notes).
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BenchResult = Record<string, number | string | boolean>;

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));

const args = process.argv.slice(2);
const json = args.includes('--json');
const name = args.find((a) => !a.startsWith('--'));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name> [--json]\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { run: (args: string[]) => Promise<BenchResult> };
const result = await mod.run(args.filter((a) => a !== name && a !== '--json'));
for (const [k, v] of Object.entries(result)) process.stdout.write(`${k}: ${v}\n`);
if (json) process.stdout.write(`${JSON.stringify({ benchmark: name, ...result })}\n`);
