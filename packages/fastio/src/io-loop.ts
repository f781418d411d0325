import type { Destination } from './address-cache.ts';
import { FastIoError, SocketCallError } from './errors.ts';
import { fdOpened } from './fd-table.ts';
import {
  allocArena,
  EAGAIN,
  EINTR,
  EPOLL_CLOEXEC,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_EVENT_DATA,
  EPOLL_EVENT_SIZE,
  EPOLLIN,
  errnoCode,
  type Libc,
  lastErrno,
  loadLibc,
  MMSGHDR_SIZE,
  MSG_DONTWAIT,
  MSG_FLAGS,
  MSG_IOV,
  MSG_IOVLEN,
  MSG_LEN,
  MSG_NAME,
  MSG_NAMELEN,
  MSG_TRUNC,
  type PollHandle,
  pollReadable,
} from './libc.ts';
import type { LoopSocket, LoopStats, SendStats } from './loop-types.ts';

/** Datagrams taken by one recvmmsg. */
export const RECV_BATCH = 32;
/** Bytes before each received datagram, where a ChannelData header can be written in place. */
const HEADROOM = 16;
/** A receive slot holds the largest UDP payload. */
const RECV_SLOT = HEADROOM + 65536;
/** recvmmsg rounds per socket per wake-up, so one busy socket cannot starve the others. */
const MAX_ROUNDS = 4;
/**
 * Sockets drained in one wake-up receive into the slots the previous ones left free, so datagrams
 * relayed from the slots in place (to one client-facing socket, mostly) leave in one sendmmsg at the
 * end; the slots start over (after a flush) once fewer than this many are free.
 */
const MIN_FREE_SLOTS = 8;
/** Datagrams queued before a flush; the queue is flushed at the end of every wake-up anyway. */
const SEND_QUEUE = 64;
/** Bytes for copies of datagrams queued to send (those not sent from the receive slots in place). */
const SEND_HEAP = 1024 * 1024;
const NAME_SLOT = 32;
const MAX_EVENTS = 64;

/**
 * One thread's readiness loop: every batched socket of the thread is in one epoll set, which is
 * registered once with Node's event loop; one wake-up drains every ready socket with recvmmsg and
 * ends with one sendmmsg per run of datagrams queued to the same socket.
 */
export class IoLoop {
  readonly #libc: Libc;
  readonly #epfd: number;
  /** Kept referenced: koffi stops polling silently once its handle is collected. */
  readonly #poll: PollHandle;
  readonly #sockets: Array<LoopSocket | undefined> = [];
  #count = 0;
  #dispatching = false;
  #flushScheduled = false;

  // Control memory: mmsghdrs, iovecs, sockaddrs and epoll events, viewed as u32 words.
  readonly #ctl: Buffer;
  readonly #ctlU32: Uint32Array;
  readonly #ctlBase: number;
  readonly #recvMsgs: number;
  readonly #sendMsgs: number;
  readonly #sendIov: number;
  readonly #sendNames: number;
  readonly #events: number;
  /** Scratch for socket setup calls. */
  readonly scratch: number;

  readonly #recvBytes: Buffer;
  readonly #recvBase: number;
  /** The receive slot view being delivered (-1: none): a send of it goes from the slot in place. */
  #delivering: Buffer | undefined = undefined;
  #deliveringSlot = -1;
  /** The send-queue generation in which each receive slot's headroom was last written. */
  readonly #slotStamp = new Int32Array(RECV_BATCH);
  /**
   * Per receive slot, the view last handed out: a stream of equal-sized datagrams (media frames) gets
   * the same Buffer object again instead of a new subarray per datagram.
   */
  readonly #views: Buffer[] = [];
  #generation = 1;
  /** The first receive slot no datagram of this wake-up occupies. */
  #freeSlot = 0;

  readonly #heapBytes: Buffer;
  readonly #heapBase: number;
  #heapTop = 0;
  readonly #sendFds = new Int32Array(SEND_QUEUE);
  #queued = 0;
  /** Whether a queued datagram points into the receive slots (flush before receiving again). */
  #queuedInPlace = false;
  readonly stats: SendStats = { sent: 0, dropped: 0, failed: 0, calls: 0 };
  readonly loopStats: LoopStats = { wakeups: 0, received: 0, calls: 0 };

  constructor() {
    this.#libc = loadLibc();
    const ctlSize =
      RECV_BATCH * (MMSGHDR_SIZE + 16 + NAME_SLOT) +
      SEND_QUEUE * (MMSGHDR_SIZE + 16 + NAME_SLOT) +
      MAX_EVENTS * 16 +
      256;
    const ctl = allocArena(ctlSize);
    const recv = allocArena(RECV_BATCH * RECV_SLOT);
    const heap = allocArena(SEND_HEAP);
    this.#ctl = ctl.bytes;
    this.#ctlU32 = new Uint32Array(ctl.bytes.buffer, ctl.bytes.byteOffset, ctlSize >>> 2);
    this.#ctlBase = ctl.address;
    this.#recvBytes = recv.bytes;
    this.#recvBase = recv.address;
    this.#heapBytes = heap.bytes;
    this.#heapBase = heap.address;
    for (let i = 0; i < RECV_BATCH; i++)
      this.#views.push(recv.bytes.subarray(i * RECV_SLOT + HEADROOM, i * RECV_SLOT + HEADROOM));

    let off = 0;
    this.#recvMsgs = off;
    off += RECV_BATCH * MMSGHDR_SIZE;
    const recvIov = off;
    off += RECV_BATCH * 16;
    const recvNames = off;
    off += RECV_BATCH * NAME_SLOT;
    this.#sendMsgs = off;
    off += SEND_QUEUE * MMSGHDR_SIZE;
    this.#sendIov = off;
    off += SEND_QUEUE * 16;
    this.#sendNames = off;
    off += SEND_QUEUE * NAME_SLOT;
    this.#events = off;
    off += MAX_EVENTS * 16;
    this.scratch = off;

    for (let i = 0; i < RECV_BATCH; i++) {
      const m = this.#recvMsgs + i * MMSGHDR_SIZE;
      this.#writePtr(m + MSG_NAME, this.#ctlBase + recvNames + i * NAME_SLOT);
      this.#ctlU32[(m + MSG_NAMELEN) >>> 2] = NAME_SLOT;
      this.#writePtr(m + MSG_IOV, this.#ctlBase + recvIov + i * 16);
      this.#writePtr(m + MSG_IOVLEN, 1);
      this.#writePtr(recvIov + i * 16, this.#recvBase + i * RECV_SLOT + HEADROOM);
      this.#writePtr(recvIov + i * 16 + 8, RECV_SLOT - HEADROOM);
    }
    for (let i = 0; i < SEND_QUEUE; i++) {
      const m = this.#sendMsgs + i * MMSGHDR_SIZE;
      this.#writePtr(m + MSG_NAME, this.#ctlBase + this.#sendNames + i * NAME_SLOT);
      this.#writePtr(m + MSG_IOV, this.#ctlBase + this.#sendIov + i * 16);
      this.#writePtr(m + MSG_IOVLEN, 1);
    }

    this.#epfd = this.#libc.epoll_create1(EPOLL_CLOEXEC);
    if (this.#epfd < 0) {
      const errno = lastErrno();
      throw new SocketCallError('epoll_create1', errno, errnoCode(errno));
    }
    fdOpened(this.#epfd);
    this.#poll = pollReadable(this.#epfd, this.#onReady);
    this.#poll.unref();
  }

  get libc(): Libc {
    return this.#libc;
  }

  /** The control arena, for setup calls that pass `scratch` (address and bytes). */
  get control(): { base: number; bytes: Buffer } {
    return { base: this.#ctlBase, bytes: this.#ctl };
  }

  add(socket: LoopSocket): void {
    const ev = this.#events;
    this.#ctlU32[ev >>> 2] = EPOLLIN;
    // epoll_data: the fd in the low word; the rest zero.
    this.#ctl.fill(0, ev + 4, ev + 16);
    this.#ctlU32[(ev + EPOLL_EVENT_DATA) >>> 2] = socket.fd;
    if (this.#libc.epoll_ctl(this.#epfd, EPOLL_CTL_ADD, socket.fd, this.#ctlBase + ev) < 0) {
      const errno = lastErrno();
      throw new SocketCallError('epoll_ctl', errno, errnoCode(errno));
    }
    this.#sockets[socket.fd] = socket;
    if (this.#count++ === 0) this.#poll.ref();
  }

  /** Takes `socket` out of the set; what it queued is sent first, so its fd can be closed. */
  remove(socket: LoopSocket): void {
    if (this.#sockets[socket.fd] !== socket) return;
    this.flush();
    this.#libc.epoll_ctl(this.#epfd, EPOLL_CTL_DEL, socket.fd, 0);
    this.#sockets[socket.fd] = undefined;
    if (--this.#count === 0) this.#poll.unref();
  }

  /** Queues `length` bytes at `data[offset]` to `dest`:`port` on `fd`, in place when `data` is the datagram being delivered. */
  send(fd: number, data: Buffer, offset: number, length: number, dest: Destination, port: number): void {
    // Identity, not `data.buffer`: reading an ArrayBuffer off a Buffer is a runtime call.
    if (data === this.#delivering) {
      this.#room(0);
      const i = this.#slot(fd, dest, port);
      this.#setIov(i, this.#recvBase + data.byteOffset + offset, length);
      this.#queuedInPlace = true;
      return;
    }
    this.#room(length);
    const at = this.#reserve(length);
    data.copy(this.#heapBytes, at, offset, offset + length);
    this.#setIov(this.#slot(fd, dest, port), this.#heapBase + at, length);
  }

  /** Queues a ChannelData datagram: the header written in a receive slot's headroom when it is free. */
  sendChannelData(
    fd: number,
    channel: number,
    data: Buffer,
    offset: number,
    length: number,
    dest: Destination,
    port: number,
  ): void {
    if (data === this.#delivering && offset === 0) {
      const slot = this.#deliveringSlot;
      const start = slot * RECV_SLOT + HEADROOM;
      if (this.#slotStamp[slot] !== this.#generation) {
        this.#room(0);
        const i = this.#slot(fd, dest, port);
        // After #room, which may have flushed: the header lives until the next flush.
        this.#slotStamp[slot] = this.#generation;
        const h = start - 4;
        const r = this.#recvBytes;
        r[h] = channel >>> 8;
        r[h + 1] = channel & 0xff;
        r[h + 2] = length >>> 8;
        r[h + 3] = length & 0xff;
        this.#setIov(i, this.#recvBase + h, length + 4);
        this.#queuedInPlace = true;
        return;
      }
    }
    this.#room(length + 4);
    const at = this.#reserve(length + 4);
    const b = this.#heapBytes;
    b[at] = channel >>> 8;
    b[at + 1] = channel & 0xff;
    b[at + 2] = length >>> 8;
    b[at + 3] = length & 0xff;
    data.copy(b, at + 4, offset, offset + length);
    this.#setIov(this.#slot(fd, dest, port), this.#heapBase + at, length + 4);
  }

  /** Sends everything queued: one sendmmsg per run of datagrams to the same socket. */
  flush(): void {
    const n = this.#queued;
    if (n === 0) return;
    const fds = this.#sendFds;
    let i = 0;
    while (i < n) {
      const fd = fds[i]!;
      let j = i + 1;
      while (j < n && fds[j] === fd) j++;
      this.#sendRun(fd, i, j);
      i = j;
    }
    this.#queued = 0;
    this.#heapTop = 0;
    this.#queuedInPlace = false;
    this.#generation++;
  }

  #sendRun(fd: number, from: number, to: number): void {
    const stats = this.stats;
    let i = from;
    while (i < to) {
      stats.calls++;
      const r = this.#libc.sendmmsg(fd, this.#ctlBase + this.#sendMsgs + i * MMSGHDR_SIZE, to - i, 0);
      if (r > 0) {
        stats.sent += r;
        i += r;
        continue;
      }
      const errno = lastErrno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN) {
        stats.dropped += to - i;
        return;
      }
      // The datagram at i was refused (too big, no route …): it is lost, as a failed dgram send is.
      stats.failed++;
      i++;
    }
  }

  /** Flushes when the queue or the heap cannot take one more datagram of `heapBytes`. */
  #room(heapBytes: number): void {
    if (this.#queued === SEND_QUEUE || this.#heapTop + heapBytes > SEND_HEAP) this.flush();
  }

  /** The next queue entry; #room must have made room. */
  #slot(fd: number, dest: Destination, port: number): number {
    const i = this.#queued++;
    this.#sendFds[i] = fd;
    const u32 = this.#ctlU32;
    const name = (this.#sendNames + i * NAME_SLOT) >>> 2;
    const w = dest.words;
    u32[name] = w[0]! | (((port & 0xff) << 24) | ((port >>> 8) << 16));
    for (let k = 1; k < w.length; k++) u32[name + k] = w[k]!;
    u32[(this.#sendMsgs + i * MMSGHDR_SIZE + MSG_NAMELEN) >>> 2] = w.length * 4;
    if (!this.#dispatching && !this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#scheduledFlush);
    }
    return i;
  }

  #setIov(i: number, address: number, length: number): void {
    const iov = this.#sendIov + i * 16;
    this.#writePtr(iov, address);
    this.#writePtr(iov + 8, length);
  }

  /** Bytes in the send heap; #room must have made room. */
  #reserve(length: number): number {
    const at = this.#heapTop;
    // Keep each copy 8-byte aligned.
    this.#heapTop = (at + length + 7) & ~7;
    return at;
  }

  readonly #scheduledFlush = (): void => {
    this.#flushScheduled = false;
    this.flush();
  };

  #writePtr(offset: number, value: number): void {
    this.#ctlU32[offset >>> 2] = value % 4294967296;
    this.#ctlU32[(offset >>> 2) + 1] = Math.floor(value / 4294967296);
  }

  readonly #onReady = (): void => {
    this.#dispatching = true;
    const stats = this.loopStats;
    stats.wakeups++;
    try {
      const u32 = this.#ctlU32;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        stats.calls++;
        const n = this.#libc.epoll_wait(this.#epfd, this.#ctlBase + this.#events, MAX_EVENTS, 0);
        if (n <= 0) break;
        for (let i = 0; i < n; i++) {
          const fd = u32[(this.#events + i * EPOLL_EVENT_SIZE + EPOLL_EVENT_DATA) >>> 2]!;
          const socket = this.#sockets[fd];
          if (socket !== undefined) this.#drain(socket);
        }
        if (n < MAX_EVENTS) break;
      }
    } finally {
      this.#dispatching = false;
      this.#delivering = undefined;
      this.flush();
      this.#freeSlot = 0;
    }
  };

  /** Receives up to MAX_ROUNDS batches from `socket` into the free receive slots and delivers each datagram. */
  #drain(socket: LoopSocket): void {
    const u32 = this.#ctlU32;
    for (let round = 0; round < MAX_ROUNDS && !socket.closed; round++) {
      let first = this.#freeSlot;
      if (first > RECV_BATCH - MIN_FREE_SLOTS) {
        // The slots are about to be overwritten: send what still points into them.
        if (this.#queuedInPlace) this.flush();
        first = 0;
      }
      const room = RECV_BATCH - first;
      const msgs = this.#recvMsgs + first * MMSGHDR_SIZE;
      const stats = this.loopStats;
      stats.calls++;
      const n = this.#libc.recvmmsg(socket.fd, this.#ctlBase + msgs, room, MSG_DONTWAIT, 0);
      if (n <= 0) {
        stats.calls++;
        const errno = lastErrno();
        // EAGAIN: drained. Anything else (a queued ICMP error) is consumed by this call: try again.
        if (n === 0 || errno === EAGAIN) return;
        continue;
      }
      // Taken before delivery: a flush inside a handler must not hand these slots out again.
      this.#freeSlot = first + n;
      stats.received += n;
      // The kernel wrote each sender's length: restore the slots' capacity for the next call.
      for (let k = 0; k < n; k++) u32[(msgs + k * MMSGHDR_SIZE + MSG_NAMELEN) >>> 2] = NAME_SLOT;
      for (let k = 0; k < n && !socket.closed; k++) {
        const i = first + k;
        const m = msgs + k * MMSGHDR_SIZE;
        if ((u32[(m + MSG_FLAGS) >>> 2]! & MSG_TRUNC) !== 0) {
          socket.truncated++;
          continue;
        }
        const len = u32[(m + MSG_LEN) >>> 2]!;
        let view = this.#views[i]!;
        if (view.length !== len) {
          const start = i * RECV_SLOT + HEADROOM;
          view = this.#recvBytes.subarray(start, start + len);
          this.#views[i] = view;
        }
        const nameWord = (this.#recvMsgs + RECV_BATCH * (MMSGHDR_SIZE + 16) + i * NAME_SLOT) >>> 2;
        this.#delivering = view;
        this.#deliveringSlot = i;
        socket.deliver(view, u32, this.#ctl, nameWord);
        this.#delivering = undefined;
      }
      if (n < room) return;
    }
  }
}

let threadLoop: IoLoop | undefined;

/** This thread's loop, made on first use; throws FASTIO_ERR_UNAVAILABLE where it cannot run. */
export function ioLoop(): IoLoop {
  if (threadLoop === undefined) {
    try {
      threadLoop = new IoLoop();
    } catch (err) {
      if (err instanceof FastIoError) throw err;
      throw new FastIoError('FASTIO_ERR_UNAVAILABLE', `batched UDP I/O cannot start: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return threadLoop;
}
