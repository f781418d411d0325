import { loadLibc } from './libc.ts';

/**
 * Descriptors a thread holds, in memory its parent can read after the thread is gone. A worker
 * thread that is terminated or crashes runs no JavaScript to close what it opened through libc (only
 * libuv's own handles are closed), and a leaked SO_REUSEPORT socket would keep receiving its share
 * of the port's flows; so the parent closes what the table still lists once the worker has exited.
 */
export const FD_TABLE_BYTES = 1 << 17;

let table: Int32Array | undefined;

/** Records this thread's descriptors in `shared` (made by the parent with `newFdTable`). */
export function trackFds(shared: SharedArrayBuffer): void {
  table = new Int32Array(shared);
}

export function newFdTable(): SharedArrayBuffer {
  return new SharedArrayBuffer(FD_TABLE_BYTES);
}

export function fdOpened(fd: number): void {
  const t = table;
  if (t !== undefined && fd >>> 5 < t.length) Atomics.or(t, fd >>> 5, 1 << (fd & 31));
}

export function fdClosed(fd: number): void {
  const t = table;
  if (t !== undefined && fd >>> 5 < t.length) Atomics.and(t, fd >>> 5, ~(1 << (fd & 31)));
}

/** Closes every descriptor `shared` still lists (its thread has exited); returns how many. */
export function closeTrackedFds(shared: SharedArrayBuffer): number {
  const t = new Int32Array(shared);
  let closed = 0;
  for (let w = 0; w < t.length; w++) {
    let bits = Atomics.exchange(t, w, 0);
    if (bits === 0) continue;
    const libc = loadLibc();
    for (let b = 0; bits !== 0; b++, bits >>>= 1) {
      if ((bits & 1) === 0) continue;
      libc.close(w * 32 + b);
      closed++;
    }
  }
  return closed;
}

/** Records `fd` in `shared`, another thread's table: a descriptor handed to that thread (closed with its leftovers). */
export function fdHandedTo(shared: SharedArrayBuffer, fd: number): void {
  const t = new Int32Array(shared);
  if (fd >>> 5 < t.length) Atomics.or(t, fd >>> 5, 1 << (fd & 31));
}

/** Drops `fd` from this thread's table without closing it: its owner is now a libuv handle, which closes it. */
export function fdHandedOff(fd: number): void {
  fdClosed(fd);
}
