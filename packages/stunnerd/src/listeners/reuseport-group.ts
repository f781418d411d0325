import { closeUdpFd, dupFd, openUdpFd, udpFdPort } from '@stunner/fastio';
import type { Family } from '@stunner/turn';
import { StunnerdError } from '../errors.ts';
import type { HeldSocket } from './listener-sockets.ts';

/**
 * The SO_REUSEPORT sockets of a multi-threaded TURN-UDP listener, one per worker thread and family,
 * opened and held by the main thread for the listener's life. The kernel picks a socket for a
 * 5-tuple by its hash and the socket's index in the port's group, so the group must not change
 * while flows run: a worker only ever gets a dup of its slot's sockets, and when it dies only the dup
 * closes. The socket stays in the group (its datagrams queue in it) and the restarted worker serves
 * it again, so no other thread's 5-tuple moves.
 */
export class ReusePortGroup {
  readonly #slots: HeldSocket[][];
  #closed = false;

  private constructor(slots: HeldSocket[][]) {
    this.#slots = slots;
  }

  /**
   * Binds `threads` sockets per family on the wildcard at `port` (0: the OS picks one for all):
   * IPv4, then IPv6 unless `ipv6` is false or the host has none. Throws the socket call's error
   * (EADDRINUSE, …), or FASTIO_ERR_UNAVAILABLE where libc cannot be reached through koffi.
   */
  static open(threads: number, port: number, ipv6: boolean, bufferSize: number): ReusePortGroup {
    const slots: HeldSocket[][] = Array.from({ length: threads }, () => []);
    try {
      for (const family of ipv6 ? (['IPv4', 'IPv6'] as const) : (['IPv4'] as const)) {
        for (let i = 0; i < threads; i++) {
          let fd: number;
          try {
            fd = openUdpFd(family, port, { reusePort: true, bufferSize });
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (i === 0 && family === 'IPv6' && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) break;
            throw err;
          }
          slots[i]!.push({ family, fd });
          if (port === 0) port = udpFdPort(fd);
        }
      }
    } catch (err) {
      for (const s of slots) for (const { fd } of s) closeUdpFd(fd);
      throw err;
    }
    return new ReusePortGroup(slots);
  }

  /** Families bound, in the order each worker serves them. */
  get families(): Family[] {
    return (this.#slots[0] ?? []).map((s) => s.family);
  }

  /** New descriptors of slot `index`'s sockets, for the worker that serves it to own and close. */
  handOut(index: number): HeldSocket[] {
    // After close the numbers may already name other descriptors: never dup them.
    if (this.#closed) throw new StunnerdError('STUNNERD_ERR_WORKER', 'the listener sockets are closed');
    const out: HeldSocket[] = [];
    try {
      for (const { family, fd } of this.#slots[index]!) out.push({ family, fd: dupFd(fd) });
    } catch (err) {
      for (const { fd } of out) closeUdpFd(fd);
      throw err;
    }
    return out;
  }

  /** Closes the held sockets: once the workers' dups are closed too, they leave the port. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#slots) for (const { fd } of s) closeUdpFd(fd);
  }
}
