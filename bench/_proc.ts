// Process and socket accounting from /proc for the side-by-side benchmarks (turn.md §4.1, App. A):
// per-process CPU (utime/stime, all threads), RSS, open fds, per-port UDP receive drops, and the
// system-wide RcvbufErrors. Linux only.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (sysconf(_SC_CLK_TCK), 100 on Linux/x86 and arm64). */
const CLK_TCK = 100;

export interface CpuTimes {
  /** User-mode CPU seconds of every thread of the process. */
  user: number;
  /** Kernel-mode CPU seconds (syscalls: recvmsg/sendmsg, epoll). */
  system: number;
}

/** CPU seconds used so far by `pid` (all threads); zeros when the process is gone. */
export function cpuTimes(pid: number): CpuTimes {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return { user: 0, system: 0 };
  }
  // Field 2 (comm) may hold spaces and parentheses: fields 3… follow the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15, i.e. rest[11] and rest[12].
  return { user: Number(rest[11]) / CLK_TCK, system: Number(rest[12]) / CLK_TCK };
}

/** Resident set size of `pid` in KiB (VmRSS); 0 when the process is gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Open file descriptors of `pid` (sockets included); 0 when unreadable. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** System-wide UDP RcvbufErrors (IPv4 and IPv6) from /proc/net/snmp{,6}. */
export function rcvbufErrors(): number {
  let total = 0;
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('Udp:'));
    const names = lines[i]!.split(/\s+/);
    const values = lines[i + 1]!.split(/\s+/);
    total += Number(values[names.indexOf('RcvbufErrors')] ?? 0);
  } catch {
    // no IPv4 stats
  }
  try {
    const m = /Udp6RcvbufErrors\s+(\d+)/.exec(readFileSync('/proc/net/snmp6', 'utf8'));
    if (m) total += Number(m[1]);
  } catch {
    // no IPv6 stats
  }
  return total;
}

/**
 * Samples a process once per interval while a run lasts: peak CPU (in % of one core over one
 * interval) and peak RSS. Bounded by `stop()`; the timer is unref'd.
 */
export class ProcSampler {
  readonly #pid: number;
  #timer: NodeJS.Timeout | undefined;
  #lastCpu: number;
  #lastAt: number;
  peakCpuPct = 0;
  peakRssKiB = 0;

  constructor(pid: number, intervalMs = 1000) {
    this.#pid = pid;
    const c = cpuTimes(pid);
    this.#lastCpu = c.user + c.system;
    this.#lastAt = performance.now();
    this.peakRssKiB = rssKiB(pid);
    this.#timer = setInterval(() => this.#sample(), intervalMs);
    this.#timer.unref();
  }

  #sample(): void {
    const c = cpuTimes(this.#pid);
    const now = performance.now();
    const cpu = c.user + c.system;
    const pct = ((cpu - this.#lastCpu) / ((now - this.#lastAt) / 1000)) * 100;
    if (pct > this.peakCpuPct) this.peakCpuPct = pct;
    this.#lastCpu = cpu;
    this.#lastAt = now;
    this.peakRssKiB = Math.max(this.peakRssKiB, rssKiB(this.#pid));
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the process wrote so far (stdout and stderr), capped at the last 64 KiB. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns a long-running helper (server, echo peer) and resolves once `ready` matches its output, or,
 * for a helper that prints nothing, once it has stayed up for `ready` milliseconds.
 */
export async function spawnUntil(
  command: string,
  args: string[],
  ready: RegExp | number,
  timeoutMs: number,
  cwd?: string,
): Promise<Spawned> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  let out = '';
  const exited = once(child, 'exit');
  const spawned: Spawned = {
    child,
    pid: child.pid ?? -1,
    output: () => out,
    stop: async (graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} not ready within ${timeoutMs} ms:\n${out.slice(-2000)}`));
    }, timeoutMs);
    if (typeof ready === 'number') {
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }, ready);
    }
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-65536);
      if (typeof ready !== 'number' && ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // After a resolve this reject is a no-op.
      reject(new Error(`${command} exited (${code ?? signal}) before ready:\n${out.slice(-2000)}`));
    });
  });
  return spawned;
}

/** Runs a command to completion, killed after `timeoutMs`; resolves with its output either way. */
export function runBounded(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; timedOut: boolean; output: string; wallSeconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let timedOut = false;
    const append = (d: Buffer) => {
      out = (out + d.toString()).slice(-262144);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, output: out, wallSeconds: (performance.now() - t0) / 1000 });
    });
  });
}

/** True when TCP `port` can be listened on at 127.0.0.1 right now. */
async function tcpPortFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise((resolve) => server.close(resolve));
  return ok;
}

/**
 * A free UDP port p on 127.0.0.1 with p+1 also free (turnutils_peer and coturn's alt port use both);
 * with `tcp`, both also free for TCP (coturn listens on TCP at the same ports).
 */
export async function freeUdpPortPair(tcp = false): Promise<number> {
  const { createSocket } = await import('node:dgram');
  for (let i = 0; i < 50; i++) {
    const a = createSocket('udp4');
    await new Promise<void>((resolve) => a.bind(0, '127.0.0.1', resolve));
    const port = a.address().port;
    const b = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      b.once('error', () => resolve(false));
      b.bind(port + 1, '127.0.0.1', () => resolve(true));
    });
    a.close();
    b.close();
    if (!ok || port >= 65534) continue;
    if (tcp && !((await tcpPortFree(port)) && (await tcpPortFree(port + 1)))) continue;
    return port;
  }
  throw new Error('no free UDP port pair on 127.0.0.1');
}

/** Socket inodes `pid` holds open (from /proc/<pid>/fd links "socket:[inode]"). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/**
 * Receive-buffer drops per UDP socket of `pid` (by inode), from /proc/net/udp{,6}. Diff two snapshots
 * with `dropsGrown`; sockets opened in between count from 0.
 */
export function udpDropsOfPid(pid: number): Map<string, number> {
  const inodes = socketInodes(pid);
  const drops = new Map<string, number>();
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13 || !inodes.has(cols[9]!)) continue;
      drops.set(cols[9]!, Number(cols[cols.length - 1]));
    }
  }
  return drops;
}

/** Total growth of per-socket counters between two snapshots. */
export function dropsGrown(before: Map<string, number>, after: Map<string, number>): number {
  let n = 0;
  for (const [k, v] of after) n += Math.max(0, v - (before.get(k) ?? 0));
  return n;
}
