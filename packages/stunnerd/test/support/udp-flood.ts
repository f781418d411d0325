import { Worker } from 'node:worker_threads';

export interface FloodResult {
  sent: number;
  /** Answers that reached the flood's sockets: `read` by the generator plus `droppedHere`. */
  answered: number;
  read: number;
  /** Answers the kernel dropped at the flood's own sockets, their reader being busy sending. */
  droppedHere: number;
}

/** `count` loopback sources 127.<1..>.<x>.<y>, avoiding 127.0.0.0/16 where the legitimate client lives. */
export function floodSources(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `127.${1 + ((i + 1) >> 16)}.${((i + 1) >> 8) & 0xff}.${(i + 1) & 0xff}`,
  );
}

/** Runs the flood worker (udp-flood-worker.ts) against `port` for `durationMs`; `rate` 0 is as fast as it can. */
export function flood(port: number, sources: string[], durationMs: number, rate = 0, window = 4): Promise<FloodResult> {
  const w = new Worker(new URL('./udp-flood-worker.ts', import.meta.url), {
    workerData: { port, sources, durationMs, window, rate },
  });
  return new Promise((resolve, reject) => {
    w.once('message', (r: FloodResult) => resolve(r));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`flood worker exited ${code}`));
    });
  });
}
