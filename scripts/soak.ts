// `npm run soak -- [--allocations N] [--minutes M] [--server stunnerd|coturn|both] [--rate R]
//   [--refresh-every S] [--json]`: the soak run of bench/_soak.ts with figures printed at the end.
// Defaults fit a 2-core machine shared with other work: 2000 allocations for 5 minutes.
// The figure in docs/reliability.md for the long run: --allocations 10000 --minutes 30.
import { parseArgs } from 'node:util';
import { runSoak, type SoakReport } from '../bench/_soak.ts';

const { values } = parseArgs({
  options: {
    allocations: { type: 'string', default: '2000' },
    minutes: { type: 'string', default: '5' },
    server: { type: 'string', default: 'stunnerd' },
    rate: { type: 'string', default: '0.5' },
    'refresh-every': { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '32' },
    json: { type: 'boolean', default: false },
  },
});
const allocations = Number(values.allocations);
const minutes = Number(values.minutes);
const servers = values.server === 'both' ? ['stunnerd', 'coturn'] : [values.server];
if (
  !Number.isInteger(allocations) ||
  allocations < 1 ||
  allocations > 60_000 ||
  !(minutes > 0 && minutes <= 24 * 60) ||
  !servers.every((s) => s === 'stunnerd' || s === 'coturn')
) {
  process.stderr.write(
    'usage: npm run soak -- [--allocations N (1-60000)] [--minutes M] [--server stunnerd|coturn|both] [--rate R] [--refresh-every S] [--json]\n',
  );
  process.exit(2);
}

const reports: SoakReport[] = [];
for (const server of servers as Array<'stunnerd' | 'coturn'>) {
  process.stdout.write(`== ${server}: ${allocations} allocations for ${minutes} min\n`);
  const r = await runSoak({
    server,
    allocations,
    seconds: Math.round(minutes * 60),
    rate: Number(values.rate),
    refreshEvery: Number(values['refresh-every']),
    concurrency: Number(values.concurrency),
    // V8 grows its heap until the first major collections; count from 40 % of the run (60 s to 5 min).
    warmup: Math.min(300, Math.max(60, minutes * 24)),
    sampleEvery: minutes >= 10 ? 30 : 10,
    log: (line) => process.stdout.write(`  ${line}\n`),
  });
  reports.push(r);
  const { samples: _samples, ...figures } = r;
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k}: ${v}\n`);
}
if (values.json) process.stdout.write(`${JSON.stringify(reports.map(({ samples: _s, ...f }) => f))}\n`);
const bad = reports.some((r) => r.allocationsLost > 0 || r.setupFailures > 0);
process.exit(bad ? 1 : 0);
