// `npm run fuzz -- --count N --seed S`: runs the mutation fuzzer and prints executions and failures.
import { parseArgs } from 'node:util';
import { runFuzz } from './mutation-fuzzer.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: String(Date.now() % 0x1_0000_0000) },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed) || seed < 0) {
  process.stderr.write('usage: npm run fuzz -- [--count N (>= 1)] [--seed S (>= 0)]\n');
  process.exit(2);
}

const started = performance.now();
const report = runFuzz({ count, seed });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`seed: ${seed}\n`);
process.stdout.write(`executions: ${report.executions} (${Math.round(report.executions / seconds)}/s)\n`);
process.stdout.write(`decoded as STUN: ${report.decoded}\n`);
process.stdout.write(`codec errors by code: ${JSON.stringify(report.codes)}\n`);
process.stdout.write(`failures: ${report.failures.length}\n`);
for (const f of report.failures.slice(0, 5)) process.stdout.write(`  input ${f.input}\n  ${f.error}\n`);
process.exit(report.failures.length === 0 ? 0 : 1);
