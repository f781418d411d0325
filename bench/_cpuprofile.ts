// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per category,
// so a relay run shows where the main thread's time goes per packet.
// CLI: node bench/_cpuprofile.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Monotonic clock, µs: the same clock as `process.hrtime.bigint() / 1000n`. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export type Category =
  | 'idle'
  | 'gc'
  | 'program (native: V8, libuv incl. recvmsg)'
  | 'native binding (e.g. UDP send)'
  | 'node core JS (dgram, events, dns)'
  | 'stunner (turn, stun, stunnerd)'
  | 'other JS';

export interface FunctionTime {
  name: string;
  location: string;
  category: Category;
  selfMs: number;
}

export interface ProfileSummary {
  /** Sampled wall time, ms. */
  totalMs: number;
  /** Sampled time outside (idle), ms: what the main thread spent working. */
  busyMs: number;
  byCategory: Array<{ category: Category; ms: number }>;
  top: FunctionTime[];
}

function categorize(f: CallFrame): Category {
  if (f.functionName === '(idle)') return 'idle';
  if (f.functionName === '(garbage collector)') return 'gc';
  if (f.functionName === '(program)' || f.functionName === '(root)') return 'program (native: V8, libuv incl. recvmsg)';
  if (f.url === '') return 'native binding (e.g. UDP send)';
  if (f.url.startsWith('node:')) return 'node core JS (dgram, events, dns)';
  if (f.url.includes('/packages/') || f.url.includes('/@stunner/') || f.url.includes('/bench/')) {
    return 'stunner (turn, stun, stunnerd)';
  }
  return 'other JS';
}

function shortLocation(f: CallFrame): string {
  if (f.url === '') return '(native)';
  const url = f.url.replace(/^file:\/\//, '');
  const i = url.indexOf('/packages/');
  const path = i >= 0 ? url.slice(i + 1) : url.startsWith('node:') ? url : url.split('/').slice(-2).join('/');
  return `${path}:${f.lineNumber + 1}`;
}

/** A window of the monotonic clock in µs (`process.hrtime.bigint() / 1000n`), e.g. one load run. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Self time per function and category; with `window`, only samples taken inside it (no startup). */
export function summarizeProfile(profile: CpuProfile, topN = 25, window?: ProfileWindow): ProfileSummary {
  const nodes = new Map<number, ProfileNode>();
  for (const n of profile.nodes) nodes.set(n.id, n);
  // timeDeltas[i] is the time since the previous sample: it belongs to the sample before i.
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (window !== undefined && (t < window.fromUs || t > window.toUs)) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const byFunction = new Map<string, FunctionTime>();
  const byCategory = new Map<Category, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)!.callFrame;
    const category = categorize(frame);
    const name = frame.functionName || '(anonymous)';
    const location = shortLocation(frame);
    const key = `${name}@${location}`;
    const entry = byFunction.get(key) ?? { name, location, category, selfMs: 0 };
    entry.selfMs += us / 1000;
    byFunction.set(key, entry);
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    totalUs += us;
  }
  const idleUs = byCategory.get('idle') ?? 0;
  return {
    totalMs: totalUs / 1000,
    busyMs: (totalUs - idleUs) / 1000,
    byCategory: [...byCategory].map(([category, us]) => ({ category, ms: us / 1000 })).sort((a, b) => b.ms - a.ms),
    top: [...byFunction.values()]
      .filter((f) => f.category !== 'idle')
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, topN),
  };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

/** The summary as a text table; percentages are of busy (non-idle) main-thread time. */
export function formatSummary(s: ProfileSummary): string {
  const pct = (ms: number) => `${((ms / Math.max(s.busyMs, 1e-9)) * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `main thread: ${s.totalMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy (not idle)`,
    'self time by category (% of busy):',
  ];
  for (const c of s.byCategory) {
    if (c.category !== 'idle') lines.push(`  ${pct(c.ms)}  ${c.ms.toFixed(0).padStart(7)} ms  ${c.category}`);
  }
  lines.push('top functions by self time (% of busy):');
  for (const f of s.top) {
    lines.push(`  ${pct(f.selfMs)}  ${f.selfMs.toFixed(1).padStart(8)} ms  ${f.name}  ${f.location}`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/_cpuprofile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(summarizeProfile(readProfile(file), Number(top ?? 25)))}\n`);
}
