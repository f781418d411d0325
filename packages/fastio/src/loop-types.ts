// What a thread's I/O loop (io-loop.ts) serves and counts.

/** What the loop needs of a socket it serves. */
export interface LoopSocket {
  readonly fd: number;
  /** Called with the datagrams of one recvmmsg; `nameWord` is the u32 index of the sender's sockaddr. */
  deliver(data: Buffer, u32: Uint32Array, bytes: Buffer, nameWord: number): void;
  readonly closed: boolean;
  truncated: number;
}

/** Send-side counters of a thread's loop. */
export interface SendStats {
  /** Datagrams handed to the kernel. */
  sent: number;
  /** Dropped because a socket buffer was full (EAGAIN), as the kernel drops UDP. */
  dropped: number;
  /** Refused by the kernel (EMSGSIZE, EPERM, unreachable …). */
  failed: number;
  /** sendmmsg calls made. */
  calls: number;
}

/** Receive-side counters of a thread's loop: with `SendStats.calls`, the native calls per datagram. */
export interface LoopStats {
  /** Readiness callbacks from Node's event loop. */
  wakeups: number;
  /** Datagrams received. */
  received: number;
  /** Calls through koffi other than sendmmsg: epoll_wait, recvmmsg, and errno reads. */
  calls: number;
}
