import type KoffiDefault from 'koffi';
import { FastIoError } from './errors.ts';

type Koffi = typeof KoffiDefault;

/**
 * koffi, imported so that a failure is caught: where its native binary is missing (another
 * platform, or a bundle shipped without it) loadLibc throws FASTIO_ERR_UNAVAILABLE and stunnerd
 * falls back to dgram instead of failing to start.
 */
let koffi: Koffi = undefined as unknown as Koffi;
let koffiError: unknown;
try {
  koffi = (await import('koffi')).default;
} catch (err) {
  // Absent where a bundle is run without its node_modules/koffi: dgram serves then.
  koffiError =
    (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND'
      ? new FastIoError(
          'FASTIO_ERR_UNAVAILABLE',
          'the koffi package is not installed beside this program; install koffi (and its @koromix/koffi-<platform> binary) for batched I/O',
        )
      : err;
}

/**
 * The libc calls of the batched path, bound through koffi. Pointers are passed as `uintptr_t`
 * numbers computed from arenas allocated here, so a call converts no JavaScript object.
 * Struct layouts (msghdr, mmsghdr, sockaddr_in/in6, epoll_event) are those of 64-bit Linux.
 */
export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: number, length: number): number;
  bind(fd: number, addr: number, length: number): number;
  getsockname(fd: number, addr: number, length: number): number;
  close(fd: number): number;
  dup(fd: number): number;
  /** Declared with a fixed int third argument: the commands used here (F_DUPFD_CLOEXEC) take one. */
  fcntl(fd: number, cmd: number, arg: number): number;
  recvmmsg(fd: number, msgvec: number, vlen: number, flags: number, timeout: number): number;
  sendmmsg(fd: number, msgvec: number, vlen: number, flags: number): number;
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, event: number): number;
  epoll_wait(epfd: number, events: number, maxevents: number, timeout: number): number;
}

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEPORT = 15;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const IPPROTO_IPV6 = 41;
export const IPV6_V6ONLY = 26;
export const MSG_DONTWAIT = 0x40;
export const MSG_TRUNC = 0x20;
export const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLLIN = 1;
export const F_DUPFD_CLOEXEC = 1030;
export const EINTR = 4;
export const EAGAIN = 11;

/** Size of one `struct mmsghdr` (a msghdr and the received length). */
export const MMSGHDR_SIZE = 64;
/** Offsets inside a msghdr. */
export const MSG_NAME = 0;
export const MSG_NAMELEN = 8;
export const MSG_IOV = 16;
export const MSG_IOVLEN = 24;
export const MSG_FLAGS = 48;
export const MSG_LEN = 56;
/** `struct epoll_event` is packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
export const EPOLL_EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
export const EPOLL_EVENT_DATA = process.arch === 'x64' ? 4 : 8;

/** errno names for the codes callers test (as Node's `err.code`). */
const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  9: 'EBADF',
  11: 'EAGAIN',
  13: 'EACCES',
  22: 'EINVAL',
  24: 'EMFILE',
  90: 'EMSGSIZE',
  97: 'EAFNOSUPPORT',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  101: 'ENETUNREACH',
  111: 'ECONNREFUSED',
};

/** The errno of the last call through koffi, as a Node-style error code. */
export function errnoCode(errno: number): string {
  return ERRNO_NAMES[errno] ?? `ERRNO_${errno}`;
}

export function lastErrno(): number {
  return koffi.errno();
}

/** Memory allocated outside the JS heap: its address for libc and a Buffer over it for JavaScript. */
export interface Arena {
  readonly address: number;
  readonly bytes: Buffer;
  free(): void;
}

export function allocArena(size: number): Arena {
  const ptr = koffi.alloc('uint8_t', size);
  const address = Number(koffi.address(ptr));
  const bytes = Buffer.from(koffi.view(ptr, size));
  bytes.fill(0);
  return { address, bytes, free: () => koffi.free(ptr) };
}

export interface PollHandle {
  unref(): void;
  ref(): void;
  close(): void;
}

/** Watches `fd` for readability on Node's event loop. */
export function pollReadable(fd: number, onReadable: () => void): PollHandle {
  return koffi.node.poll(fd, { readable: true }, onReadable);
}

let libc: Libc | undefined;

/** Binds libc once per thread; throws FASTIO_ERR_UNAVAILABLE off Linux or when koffi cannot load. */
export function loadLibc(): Libc {
  if (libc !== undefined) return libc;
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    throw new FastIoError(
      'FASTIO_ERR_UNAVAILABLE',
      `batched UDP I/O needs Linux on x64 or arm64 (this is ${process.platform}/${process.arch}); use --io dgram`,
    );
  }
  try {
    if (koffi === undefined) throw koffiError;
    const lib = koffi.load('libc.so.6');
    libc = {
      socket: lib.func('int socket(int, int, int)'),
      setsockopt: lib.func('int setsockopt(int, int, int, uintptr_t, uint32_t)'),
      bind: lib.func('int bind(int, uintptr_t, uint32_t)'),
      getsockname: lib.func('int getsockname(int, uintptr_t, uintptr_t)'),
      close: lib.func('int close(int)'),
      dup: lib.func('int dup(int)'),
      fcntl: lib.func('int fcntl(int, int, int)'),
      recvmmsg: lib.func('int recvmmsg(int, uintptr_t, uint32_t, int, uintptr_t)'),
      sendmmsg: lib.func('int sendmmsg(int, uintptr_t, uint32_t, int)'),
      epoll_create1: lib.func('int epoll_create1(int)'),
      epoll_ctl: lib.func('int epoll_ctl(int, int, int, uintptr_t)'),
      epoll_wait: lib.func('int epoll_wait(int, uintptr_t, int, int)'),
    } as Libc;
  } catch (err) {
    if (err instanceof FastIoError) throw err;
    throw new FastIoError('FASTIO_ERR_UNAVAILABLE', `cannot bind libc through koffi: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return libc;
}
