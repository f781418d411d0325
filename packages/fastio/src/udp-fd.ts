import { writeIpBytes } from '@stunner/stun';
import { SocketCallError } from './errors.ts';
import type { Family } from './family.ts';
import { fdClosed, fdOpened } from './fd-table.ts';
import {
  AF_INET,
  AF_INET6,
  type Arena,
  allocArena,
  errnoCode,
  F_DUPFD_CLOEXEC,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  lastErrno,
  loadLibc,
  SO_RCVBUF,
  SO_REUSEPORT,
  SO_SNDBUF,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOL_SOCKET,
} from './libc.ts';

export interface UdpFdOptions {
  /** Local IP literal; default the wildcard of the family. */
  address?: string;
  /** SO_RCVBUF and SO_SNDBUF, bytes (capped by net.core.rmem_max/wmem_max). */
  bufferSize?: number;
  /** SO_REUSEPORT: several sockets (threads) share the port; the kernel hashes 5-tuples among them. */
  reusePort?: boolean;
}

/** sockaddr (32 bytes), its length and an option value: the memory of this thread's setup calls. */
let scratch: Arena | undefined;

function scratchArena(): Arena {
  scratch ??= allocArena(64);
  return scratch;
}

function callError(syscall: string): SocketCallError {
  const errno = lastErrno();
  return new SocketCallError(syscall, errno, errnoCode(errno));
}

/**
 * Opens a non-blocking UDP socket of `family` bound at `port` (0: the OS picks), recorded in this
 * thread's fd table. Needs no IoLoop, so the main thread can hold sockets its workers serve.
 * Throws SocketCallError with Node's errno `code`.
 */
export function openUdpFd(family: Family, port: number, options: UdpFdOptions = {}): number {
  const libc = loadLibc();
  const v6 = family === 'IPv6';
  const fd = libc.socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw callError('socket');
  fdOpened(fd);
  const { address: base, bytes } = scratchArena();
  const fail = (syscall: string): SocketCallError => {
    const err = callError(syscall);
    closeUdpFd(fd);
    return err;
  };
  const setInt = (level: number, name: number, value: number, syscall: string): void => {
    bytes.writeInt32LE(value, 40);
    if (libc.setsockopt(fd, level, name, base + 40, 4) < 0) throw fail(syscall);
  };
  if (v6) setInt(IPPROTO_IPV6, IPV6_V6ONLY, 1, 'setsockopt(IPV6_V6ONLY)');
  if (options.reusePort) setInt(SOL_SOCKET, SO_REUSEPORT, 1, 'setsockopt(SO_REUSEPORT)');
  if (options.bufferSize) {
    setInt(SOL_SOCKET, SO_RCVBUF, options.bufferSize, 'setsockopt(SO_RCVBUF)');
    setInt(SOL_SOCKET, SO_SNDBUF, options.bufferSize, 'setsockopt(SO_SNDBUF)');
  }
  bytes.fill(0, 0, 32);
  bytes.writeUInt16LE(v6 ? AF_INET6 : AF_INET, 0);
  bytes.writeUInt16BE(port, 2);
  if (options.address !== undefined) writeIpBytes(options.address, bytes, v6 ? 8 : 4);
  if (libc.bind(fd, base, v6 ? 28 : 16) < 0) throw fail('bind');
  return fd;
}

/** The local port `fd` is bound to. */
export function udpFdPort(fd: number): number {
  const { address: base, bytes } = scratchArena();
  bytes.writeUInt32LE(32, 32);
  if (loadLibc().getsockname(fd, base, base + 32) < 0) throw callError('getsockname');
  return bytes.readUInt16BE(2);
}

/**
 * A second descriptor of the socket behind `fd` (close-on-exec), not recorded in this thread's fd
 * table: the socket stays open, and in its SO_REUSEPORT group, until every descriptor is closed.
 */
export function dupFd(fd: number): number {
  const copy = loadLibc().fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw callError('fcntl(F_DUPFD_CLOEXEC)');
  return copy;
}

/** Closes a descriptor opened through libc and drops it from this thread's fd table. */
export function closeUdpFd(fd: number): void {
  fdClosed(fd);
  loadLibc().close(fd);
}
