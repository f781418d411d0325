import { OffloadError } from './errors.ts';
import { BPF_ANY, BPF_TC_EGRESS, BPF_TC_INGRESS, type Libbpf, libbpf, TC_HOOK_SIZE, TC_OPTS_SIZE } from './libbpf.ts';

/** Slots in the stats map, as `MAX_ENTRIES` in turn_offload.c. */
export const MAX_BINDINGS = 65536;
/** Our filter's handle and priority on each clsact ingress hook: fixed, so a stale one is replaced. */
const TC_HANDLE = 0x5354;
const TC_PRIORITY = 0x5354;
const PROGRAM = 'turn_offload';
/** Byte sizes of the map keys and values (turn_offload.c). */
const CHAN_KEY = 12;
const CHAN_VAL = 20;
const PEER_KEY = 8;
const PEER_VAL = 16;
const STATS_VAL = 48;

/** One channel binding relayed in the kernel: the client's side and the peer's side (IPv4). */
export interface Binding {
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly listenerPort: number;
  readonly channel: number;
  readonly peerAddress: string;
  readonly peerPort: number;
  /** Local address and port relayed datagrams leave from (the relay socket's port). */
  readonly relayAddress: string;
  readonly relayPort: number;
  /** Interface towards the peer. */
  readonly peerIfindex: number;
}

/** What the kernel relayed for one binding (data bytes, without the ChannelData header). */
export interface BindingStats {
  toPeerPackets: number;
  toPeerBytes: number;
  toClientPackets: number;
  toClientBytes: number;
  /** CLOCK_MONOTONIC nanoseconds of the last packet, 0 when none. */
  lastSeenNs: bigint;
}

function writeIpv4(buf: Buffer, offset: number, address: string): void {
  const p = address.split('.');
  for (let i = 0; i < 4; i++) buf[offset + i] = Number(p[i]);
}

interface Attached {
  readonly ifindex: number;
  readonly hook: Buffer;
  readonly opts: Buffer;
  readonly createdHook: boolean;
}

/**
 * The TC (clsact ingress) program of turn_offload.c, loaded once and attached to the given interfaces,
 * and the control of its maps. Maps are not pinned: they live as long as this process holds them, so
 * `close` (or the process ending) frees them; `close` detaches the program from every interface.
 */
export class TcOffload {
  readonly #bpf: Libbpf;
  readonly #obj: unknown;
  readonly #chanFd: number;
  readonly #peerFd: number;
  readonly #statsFd: number;
  readonly #attached: Attached[] = [];
  readonly #freeSlots: number[] = [];
  #nextSlot = 0;
  // Scratch buffers: one map call converts nothing but these.
  readonly #chanKey = Buffer.alloc(CHAN_KEY);
  readonly #chanVal = Buffer.alloc(CHAN_VAL);
  readonly #peerKey = Buffer.alloc(PEER_KEY);
  readonly #peerVal = Buffer.alloc(PEER_VAL);
  readonly #slotKey = Buffer.alloc(4);
  readonly #stats = Buffer.alloc(STATS_VAL);
  readonly #zeroStats = Buffer.alloc(STATS_VAL);
  #closed = false;

  private constructor(bpf: Libbpf, obj: unknown) {
    this.#bpf = bpf;
    this.#obj = obj;
    this.#chanFd = this.#mapFd('turn_chan_map');
    this.#peerFd = this.#mapFd('turn_peer_map');
    this.#statsFd = this.#mapFd('turn_stats_map');
  }

  /** Loads the compiled object; throws OFFLOAD_ERR_LOAD (no CAP_BPF, verifier refusal) or _LIBBPF. */
  static load(objectPath: string): TcOffload {
    const bpf = libbpf();
    const obj = bpf.openFile(objectPath);
    if (obj === null) throw new OffloadError('OFFLOAD_ERR_LOAD', `cannot open ${objectPath}`);
    const rc = bpf.load(obj);
    if (rc !== 0) {
      bpf.close(obj);
      throw new OffloadError(
        'OFFLOAD_ERR_LOAD',
        `the kernel refused the offload program (error ${-rc}${-rc === 1 ? ': needs CAP_BPF and CAP_NET_ADMIN, or CAP_SYS_ADMIN' : ''})`,
      );
    }
    return new TcOffload(bpf, obj);
  }

  #mapFd(name: string): number {
    const fd = this.#bpf.mapFd(this.#obj, name);
    if (fd < 0) throw new OffloadError('OFFLOAD_ERR_LOAD', `map ${name} missing from the offload program`);
    return fd;
  }

  /** The interfaces the program is attached to. */
  get ifindexes(): number[] {
    return this.#attached.map((a) => a.ifindex);
  }

  /** Attaches the program to an interface's clsact ingress; throws OFFLOAD_ERR_ATTACH. */
  attach(ifindex: number): void {
    const prog = this.#bpf.programFd(this.#obj, PROGRAM);
    const hook = Buffer.alloc(TC_HOOK_SIZE);
    hook.writeBigUInt64LE(BigInt(TC_HOOK_SIZE), 0);
    hook.writeInt32LE(ifindex, 8);
    hook.writeUInt32LE(BPF_TC_INGRESS, 12);
    const created = this.#bpf.tcHookCreate(hook);
    // -EEXIST: a clsact qdisc is there already (another program's, or ours from a crashed run).
    if (created !== 0 && created !== -17) {
      throw new OffloadError(
        'OFFLOAD_ERR_ATTACH',
        `cannot add a clsact qdisc on interface ${ifindex} (error ${-created})`,
      );
    }
    const opts = Buffer.alloc(TC_OPTS_SIZE);
    opts.writeBigUInt64LE(BigInt(TC_OPTS_SIZE), 0);
    opts.writeInt32LE(prog, 8);
    opts.writeUInt32LE(1, 12); // BPF_TC_F_REPLACE
    opts.writeUInt32LE(TC_HANDLE, 20);
    opts.writeUInt32LE(TC_PRIORITY, 24);
    const rc = this.#bpf.tcAttach(hook, opts);
    if (rc !== 0) {
      if (created === 0) this.#bpf.tcHookDestroy(hook);
      throw new OffloadError('OFFLOAD_ERR_ATTACH', `cannot attach to interface ${ifindex} (error ${-rc})`);
    }
    this.#attached.push({ ifindex, hook, opts, createdHook: created === 0 });
  }

  /**
   * Writes a binding's two entries (both directions) and a zeroed stats slot; returns the slot.
   * Throws OFFLOAD_ERR_MAP when the maps are full.
   */
  add(b: Binding): number {
    if (this.#closed) throw new OffloadError('OFFLOAD_ERR_MAP', 'the offload program is closed');
    const slot = this.#freeSlots.pop() ?? (this.#nextSlot < MAX_BINDINGS ? this.#nextSlot++ : -1);
    if (slot < 0) throw new OffloadError('OFFLOAD_ERR_MAP', `more than ${MAX_BINDINGS} offloaded channels`);
    this.#slotKey.writeUInt32LE(slot, 0);
    this.#check(this.#bpf.mapUpdate(this.#statsFd, this.#slotKey, this.#zeroStats, BPF_ANY), 'stats', slot);

    this.#packPeerKey(b);
    const pv = this.#peerVal;
    writeIpv4(pv, 0, b.clientAddress);
    pv.writeUInt16BE(b.clientPort, 4);
    pv.writeUInt16BE(b.listenerPort, 6);
    pv.writeUInt16LE(b.channel, 8);
    pv.writeUInt16LE(0, 10);
    pv.writeUInt32LE(slot, 12);
    this.#check(this.#bpf.mapUpdate(this.#peerFd, this.#peerKey, pv, BPF_ANY), 'peer', slot);

    this.#packChanKey(b);
    const cv = this.#chanVal;
    writeIpv4(cv, 0, b.peerAddress);
    writeIpv4(cv, 4, b.relayAddress);
    cv.writeUInt16BE(b.peerPort, 8);
    cv.writeUInt16BE(b.relayPort, 10);
    cv.writeUInt32LE(b.peerIfindex, 12);
    cv.writeUInt32LE(slot, 16);
    const rc = this.#bpf.mapUpdate(this.#chanFd, this.#chanKey, cv, BPF_ANY);
    if (rc !== 0) this.#bpf.mapDelete(this.#peerFd, this.#peerKey);
    this.#check(rc, 'channel', slot);
    return slot;
  }

  /** Deletes a binding's entries; returns its final stats and frees its slot. */
  remove(b: Binding, slot: number): BindingStats {
    if (this.#closed) return { toPeerPackets: 0, toPeerBytes: 0, toClientPackets: 0, toClientBytes: 0, lastSeenNs: 0n };
    this.#packChanKey(b);
    this.#bpf.mapDelete(this.#chanFd, this.#chanKey);
    this.#packPeerKey(b);
    this.#bpf.mapDelete(this.#peerFd, this.#peerKey);
    const stats = this.stats(slot);
    this.#freeSlots.push(slot);
    return stats;
  }

  /** What the kernel relayed for a slot so far. */
  stats(slot: number): BindingStats {
    this.#slotKey.writeUInt32LE(slot, 0);
    const s = this.#stats;
    if (this.#closed || this.#bpf.mapLookup(this.#statsFd, this.#slotKey, s) !== 0) s.fill(0);
    return {
      toPeerPackets: Number(s.readBigUInt64LE(0)),
      toPeerBytes: Number(s.readBigUInt64LE(8)),
      toClientPackets: Number(s.readBigUInt64LE(16)),
      toClientBytes: Number(s.readBigUInt64LE(24)),
      lastSeenNs: s.readBigUInt64LE(32),
    };
  }

  /** Entries in the channel (client → peer) and peer (peer → client) maps, read from the kernel. */
  entryCounts(): { channels: number; peers: number } {
    const count = (fd: number, size: number): number => {
      if (this.#closed) return 0;
      let n = 0;
      let key: Buffer | null = null;
      const next = Buffer.alloc(size);
      while (n <= MAX_BINDINGS && this.#bpf.mapNextKey(fd, key, next) === 0) {
        n++;
        key = Buffer.from(next);
      }
      return n;
    };
    return { channels: count(this.#chanFd, CHAN_KEY), peers: count(this.#peerFd, PEER_KEY) };
  }

  #packChanKey(b: Binding): void {
    const k = this.#chanKey;
    writeIpv4(k, 0, b.clientAddress);
    k.writeUInt16BE(b.clientPort, 4);
    k.writeUInt16BE(b.listenerPort, 6);
    k.writeUInt16LE(b.channel, 8);
    k.writeUInt16LE(0, 10);
  }

  #packPeerKey(b: Binding): void {
    const k = this.#peerKey;
    writeIpv4(k, 0, b.peerAddress);
    k.writeUInt16BE(b.peerPort, 4);
    k.writeUInt16BE(b.relayPort, 6);
  }

  #check(rc: number, what: string, slot: number): void {
    if (rc === 0) return;
    this.#freeSlots.push(slot);
    throw new OffloadError('OFFLOAD_ERR_MAP', `cannot write the ${what} entry (error ${-rc})`);
  }

  /** Detaches from every interface (removing the clsact qdisc where this process added it) and frees the maps. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const a of this.#attached) {
      const opts = Buffer.alloc(TC_OPTS_SIZE);
      opts.writeBigUInt64LE(BigInt(TC_OPTS_SIZE), 0);
      opts.writeUInt32LE(TC_HANDLE, 20);
      opts.writeUInt32LE(TC_PRIORITY, 24);
      this.#bpf.tcDetach(a.hook, opts);
      if (a.createdHook) {
        // Both attach points: libbpf then deletes the clsact qdisc itself, not only our filters.
        const both = Buffer.from(a.hook);
        both.writeUInt32LE(BPF_TC_INGRESS | BPF_TC_EGRESS, 12);
        this.#bpf.tcHookDestroy(both);
      }
    }
    this.#attached.length = 0;
    this.#bpf.close(this.#obj);
  }
}
