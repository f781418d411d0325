// `npm run fuzz -- [--target codec|engine] --count N --seed S`: runs a fuzzer and prints executions and
// failures. `codec` (the default) mutates single messages for the decoder and framer; `engine` drives
// the TURN engine statefully (packages/turn/fuzz).
import { parseArgs } from 'node:util';
import { runFuzz } from './mutation-fuzzer.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'codec' },
    count: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: String(Date.now() % 0x1_0000_0000) },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
if (
  !Number.isSafeInteger(count) ||
  count < 1 ||
  !Number.isSafeInteger(seed) ||
  seed < 0 ||
  !['codec', 'engine'].includes(values.target)
) {
  process.stderr.write('usage: npm run fuzz -- [--target codec|engine] [--count N (>= 1)] [--seed S (>= 0)]\n');
  process.exit(2);
}

const started = performance.now();
if (values.target === 'engine') {
  // Loaded on demand: the engine package depends on this one, not the other way round.
  const { runEngineFuzz } = await import('../../turn/fuzz/engine-fuzzer.ts');
  const report = runEngineFuzz({ count, seed });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`target: engine\nseed: ${seed}\n`);
  process.stdout.write(
    `steps: ${report.steps} (${Math.round(report.steps / seconds)}/s) in ${report.worlds} engines\n`,
  );
  process.stdout.write(`actions: ${JSON.stringify(report.actions)}\n`);
  process.stdout.write(`responses (method hex/code): ${JSON.stringify(report.responses)}\n`);
  process.stdout.write(`allocations created: ${report.allocationsCreated}\n`);
  process.stdout.write(`datagrams sent to peers (each checked): ${report.sentToPeer}\n`);
  process.stdout.write(`retransmissions checked identical: ${report.retransmitsChecked}\n`);
  process.stdout.write(`failures: ${report.failures.length}\n`);
  for (const f of report.failures)
    process.stdout.write(`  step ${f.step} (${f.action}) ${f.invariant}\n  ${f.error}\n`);
  process.exit(report.failures.length === 0 ? 0 : 1);
}
const report = runFuzz({ count, seed });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`seed: ${seed}\n`);
process.stdout.write(`executions: ${report.executions} (${Math.round(report.executions / seconds)}/s)\n`);
process.stdout.write(`decoded as STUN: ${report.decoded}\n`);
process.stdout.write(`codec errors by code: ${JSON.stringify(report.codes)}\n`);
process.stdout.write(`failures: ${report.failures.length}\n`);
for (const f of report.failures.slice(0, 5)) process.stdout.write(`  input ${f.input}\n  ${f.error}\n`);
process.exit(report.failures.length === 0 ? 0 : 1);
