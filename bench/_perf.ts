// Optional on-CPU sampling of a server with Linux `perf` (when installed): unlike `--cpu-prof`, which
// samples the Node main thread's wall time, perf samples only while the process runs, kernel
// included, so coturn and stunnerd are measured the same way. For stunnerd's JIT frames to have
// names the Node process runs with --perf-basic-prof (see `_servers.ts`).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function perfAvailable(): boolean {
  return spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface PerfRecording {
  /** Stops sampling (SIGINT, as perf expects) and resolves with the data file. */
  stop(): Promise<string>;
}

/** Starts `perf record -g` on `pid` (all threads); bounded by `maxSeconds` in any case. */
export function startPerf(pid: number, maxSeconds: number): PerfRecording {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-perf-')), 'perf.data');
  const child = spawn(
    'timeout',
    ['-s', 'INT', String(maxSeconds), 'perf', 'record', '-F', '999', '-g', '-p', String(pid), '-o', file],
    { stdio: 'ignore' },
  );
  const exited = once(child, 'exit');
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        // `timeout` forwards the signal to perf, which then writes its file.
        child.kill('SIGINT');
      }
      await exited;
      return file;
    },
  };
}

export interface PerfSummary {
  /** Share of samples per binary: [kernel.kallsyms], node, libc.so.6, [JIT] …, turnserver, … */
  byDso: Array<{ dso: string; pct: number }>;
  /** Symbols by self samples. */
  top: Array<{ symbol: string; pct: number }>;
  /** Symbols by samples including callees, for the send and receive paths. */
  inclusive: Array<{ symbol: string; pct: number }>;
  /** Symbols of the node binary by self samples (V8 builtins, libuv, N-API), as shares of that binary. */
  nodeTop: Array<{ symbol: string; pct: number }>;
}

function report(file: string, sort: string, children: boolean, dsos?: string): Array<{ name: string; pct: number }> {
  const r = spawnSync(
    'perf',
    [
      'report',
      '-i',
      file,
      children ? '--children' : '--no-children',
      '--sort',
      sort,
      '--stdio',
      '-g',
      'none',
      ...(dsos ? ['--dsos', dsos] : []),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  const rows: Array<{ name: string; pct: number }> = [];
  for (const line of (r.stdout ?? '').split('\n')) {
    if (line.startsWith('#')) continue;
    // "    45.72%  [kernel.kallsyms]" or, with --children, "    83.27%     0.00%  [.] uv_run".
    const m = /^\s+([\d.]+)%\s+(?:[\d.]+%\s+)?(.+?)\s*$/.exec(line);
    if (m) rows.push({ pct: Number(m[1]), name: m[2]! });
  }
  return rows;
}

/** Reads a perf.data file into shares per binary and per symbol. */
export function summarizePerf(file: string, topN = 20): PerfSummary {
  const interesting =
    /sendmsg|recvmsg|epoll_pwait|schedule|OnRecv|UDPWrap::Send|MakeCallback|handleClient|handleRelay|doSend|onMessage|JS:/;
  return {
    byDso: report(file, 'dso', false).map((r) => ({ dso: r.name, pct: r.pct })),
    top: report(file, 'sym', false)
      .slice(0, topN)
      .map((r) => ({ symbol: r.name, pct: r.pct })),
    inclusive: report(file, 'sym', true)
      .filter((r) => interesting.test(r.name))
      .slice(0, topN)
      .map((r) => ({ symbol: r.name, pct: r.pct })),
    nodeTop: report(file, 'sym', false, 'node')
      .slice(0, topN)
      .map((r) => ({ symbol: r.name, pct: r.pct })),
  };
}

export function formatPerf(s: PerfSummary): string {
  const lines = ['on-CPU samples by binary (perf):'];
  for (const d of s.byDso.slice(0, 8)) lines.push(`  ${d.pct.toFixed(1).padStart(5)}%  ${d.dso}`);
  lines.push('top symbols by self samples:');
  for (const t of s.top) lines.push(`  ${t.pct.toFixed(1).padStart(5)}%  ${t.symbol}`);
  lines.push('send/receive path, samples including callees:');
  for (const t of s.inclusive) lines.push(`  ${t.pct.toFixed(1).padStart(5)}%  ${t.symbol}`);
  if (s.nodeTop.length > 0) {
    lines.push('in the node binary (V8 builtins, libuv, N-API), share of its samples:');
    for (const t of s.nodeTop) lines.push(`  ${t.pct.toFixed(1).padStart(5)}%  ${t.symbol}`);
  }
  return lines.join('\n');
}
