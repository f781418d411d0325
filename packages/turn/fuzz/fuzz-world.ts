// The world a stateful engine fuzz run drives: one TurnEngine with small caps, a sink that checks what
// leaves the engine as it leaves, the clients' credentials, and the invariants checked after every step.
import { ephemeralPassword, ephemeralUsername } from '@stunner/stun';
import type { Prng } from '../../stun/fuzz/prng.ts';
import type { Allocation } from '../src/allocation.ts';
import {
  type AllocationInfo,
  type ClientEndpoint,
  type RelayRequest,
  TurnEngine,
  type TurnEngineOptions,
  type TurnEngineSink,
} from '../src/index.ts';

export const REALM = 'fuzz.stunner.l7mp.io';
export const SECRET = 'fuzz-secret';
/** 2026-11-23T00:00:00Z: ephemeral usernames compare engine time with UNIX time. */
export const T0 = 1_795_392_000_000;

/** Caps small enough that a random run reaches them often. */
export const CAPS = {
  maxAllocations: 6,
  userQuota: 3,
  maxPermissions: 4,
  maxChannels: 3,
  defaultLifetime: 60,
  maxLifetime: 120,
  permissionLifetime: 30,
  channelLifetime: 40,
  channelReuseDelay: 10,
  reservationLifetime: 15,
  nonceLifetime: 120,
  transactionCacheTtl: 5_000,
  challengeRateLimit: 20,
} as const;

/** Peers the filter admits, and peers it must refuse (turn.md §5.5 forms among them). */
export const ALLOWED_PEERS = [
  '203.0.113.5',
  '203.0.113.6',
  '198.51.100.9',
  '198.51.100.10',
  '192.0.2.77',
  '100.64.0.1',
  '2001:db8::5',
  '2001:db8::77',
];
export const DENIED_PEERS = ['127.0.0.1', '10.1.2.3', '169.254.169.254', '::1', '::ffff:127.0.0.1', '64:ff9b::a01:203'];
const DENIED = new Set(DENIED_PEERS);

/** The filter the invariants hold the engine to. */
export const admitPeer = (address: string): boolean => !DENIED.has(address);

/** A deliberately wrong engine, to show the invariants catch what they claim to (the fuzzer's own test). */
export type InjectedBug = 'none' | 'filter-bypass' | 'no-permission-cap' | 'forgetful-timer';

export interface Violation {
  readonly invariant: string;
  readonly detail: string;
}

export class InvariantError extends Error {
  readonly invariant: string;
  constructor(invariant: string, detail: string) {
    super(`${invariant}: ${detail}`);
    this.invariant = invariant;
  }
}

/** One client 5-tuple and its user; `good` false means the password is wrong. */
export interface FuzzClient {
  readonly endpoint: ClientEndpoint;
  readonly user: string;
  good: boolean;
  /** The ephemeral username in use: kept until it expires, as a client keeps its TURN credentials. */
  username: string | undefined;
  nonce: string | undefined;
  /** Last authenticated request and its integrity-protected response, for the retransmission check. */
  last: { request: Buffer; response: Buffer; at: number } | undefined;
}

/** Relay requests the adapter has not answered yet (the fuzzer answers them at a later step). */
export interface Deferred {
  readonly request: RelayRequest;
}

export class FuzzSink implements TurnEngineSink {
  engine!: TurnEngine;
  now = T0;
  readonly deferred: Deferred[] = [];
  /** Relay ids bound and not yet closed. */
  readonly open = new Set<number>();
  readonly toClient: Array<{ client: ClientEndpoint; message: Buffer }> = [];
  sentToPeer = 0;
  #port = 50000;
  #prng: Prng;

  constructor(prng: Prng) {
    this.#prng = prng;
  }

  sendToClient(client: ClientEndpoint, message: Buffer): void {
    this.toClient.push({ client, message });
  }

  sendChannelData(client: ClientEndpoint, channel: number): void {
    if (channel < 0x4000 || channel > 0x4fff) throw new InvariantError('channel-range', `ChannelData on ${channel}`);
    const a = this.#allocationOf(client);
    if (a === undefined) throw new InvariantError('channel-owner', 'ChannelData to a client without an allocation');
  }

  sendToPeer(relayId: number, address: string, port: number): void {
    this.sentToPeer++;
    if (!admitPeer(address)) throw new InvariantError('peer-filter', `sent to refused peer ${address}:${port}`);
    const a = [...this.engine.allocations()].find((x) => x.id === relayId) as Allocation | undefined;
    if (a === undefined || a.expires <= this.now) {
      throw new InvariantError('relay-live', `sent on relay ${relayId} that has no live allocation`);
    }
    if (!a.permits(address, this.now)) throw new InvariantError('permission', `sent to ${address} without permission`);
  }

  openRelay(request: RelayRequest): void {
    const r = this.#prng.int(100);
    if (r < 12) {
      this.deferred.push({ request });
      return;
    }
    this.answer(request, r < 16 ? this.#prng.pick([440, 508] as const) : undefined);
  }

  /** Answers a relay request: bound (code undefined) or failed. */
  answer(request: RelayRequest, code: 440 | 508 | undefined): void {
    if (code !== undefined) {
      this.engine.relayFailed(request.id, code, this.now);
      return;
    }
    const port = this.#port;
    this.#port += 2;
    const addresses = request.families.map((family) => ({
      family,
      address: family === 'IPv4' ? '192.0.2.10' : '2001:db8::10',
      port,
    }));
    this.open.add(request.id);
    if (request.reserveId !== undefined) this.open.add(request.reserveId);
    const reserved = request.reserveId !== undefined ? { ...addresses[0]!, port: port + 1 } : undefined;
    this.engine.relayOpened(request.id, reserved ? { addresses, reserved } : { addresses }, this.now);
  }

  closeRelay(relayId: number): void {
    // Closing an id twice is harmless for sockets, but closing one that is in use is not.
    const live = [...this.engine.allocations()].some((a) => a.id === relayId);
    if (live) throw new InvariantError('close-live', `closeRelay(${relayId}) of an allocation still held`);
    this.open.delete(relayId);
  }

  #allocationOf(client: ClientEndpoint): AllocationInfo | undefined {
    for (const a of this.engine.allocations()) if (a.client === client) return a;
    return undefined;
  }
}

export function makeEngine(sink: FuzzSink, bug: InjectedBug): TurnEngine {
  const options: TurnEngineOptions = {
    auth: { type: 'ephemeral', realm: REALM, secret: SECRET },
    sink,
    ...CAPS,
    maxPermissions: bug === 'no-permission-cap' ? 1000 : CAPS.maxPermissions,
    nonceSecret: Buffer.alloc(32, 7),
    admitPeer: bug === 'filter-bypass' ? () => true : (address) => admitPeer(address),
    // As stunnerd runs it: the (static) admission kept per channel.
    peerAdmissionCache: { lastTag: () => 0, reuse: () => {} },
  };
  const engine = new TurnEngine(options);
  sink.engine = engine;
  return engine;
}

/** Eight 5-tuples over three client IPs (the challenge limiter is per IP), UDP and TCP, v4 and v6. */
export function makeClients(): FuzzClient[] {
  const out: FuzzClient[] = [];
  const addrs = ['198.51.100.7', '198.51.100.8', '2001:db8:c::1'];
  const users = ['alice', 'bob', 'carol'];
  for (let i = 0; i < 8; i++) {
    out.push({
      endpoint: { listener: i % 2, transport: i % 2 === 0 ? 'udp' : 'tcp', address: addrs[i % 3]!, port: 40000 + i },
      user: users[i % 3]!,
      good: true,
      username: undefined,
      nonce: undefined,
      last: undefined,
    });
  }
  return out;
}

/** Username and password a client signs with: valid, expired, or with a wrong password. */
export function credentials(c: FuzzClient, now: number, prng: Prng): { username: string; password: string } {
  const seconds = Math.floor(now / 1000);
  if (c.username === undefined || Number(c.username.split(':')[0]) <= seconds || prng.chance(0.005)) {
    c.username = ephemeralUsername(seconds, 300 + prng.int(3600), c.user);
  }
  const username = prng.chance(0.03) ? ephemeralUsername(seconds - 7200, 60, c.user) : c.username;
  const password = c.good ? ephemeralPassword(SECRET, username) : 'wrong-password';
  return { username, password };
}

/**
 * Invariants after every step: caps, quotas, channel ranges, and the timer: every allocation, permission
 * and channel ends by the next timeout the engine asks for (so none outlives its lifetime).
 */
export function checkInvariants(engine: TurnEngine, now: number, bug: InjectedBug): void {
  const all = [...engine.allocations()] as Allocation[];
  if (all.length > CAPS.maxAllocations) throw new InvariantError('max-allocations', `${all.length} held`);
  const perUser = new Map<string, number>();
  const clients = new Set<ClientEndpoint>();
  const next = engine.nextTimeout();
  for (const a of all) {
    perUser.set(a.userId, (perUser.get(a.userId) ?? 0) + 1);
    if (clients.has(a.client)) throw new InvariantError('one-per-5-tuple', `two allocations on one 5-tuple`);
    clients.add(a.client);
    if (a.expires > now + CAPS.maxLifetime * 1000) {
      throw new InvariantError('lifetime-cap', `expires ${a.expires - now} ms ahead`);
    }
    if (a.expires <= now) throw new InvariantError('lifetime', `allocation ${a.id} outlived its lifetime`);
    if (bug !== 'forgetful-timer' && next > a.expires) {
      throw new InvariantError(
        'timer',
        `allocation ${a.id} expires at +${a.expires - now} but timer at +${next - now}`,
      );
    }
    if (a.permissions.size > CAPS.maxPermissions) {
      throw new InvariantError('max-permissions', `${a.permissions.size} on allocation ${a.id}`);
    }
    if (a.channels.size > CAPS.maxChannels) {
      throw new InvariantError('max-channels', `${a.channels.size} on allocation ${a.id}`);
    }
    for (const p of a.permissions.values()) {
      if (!admitPeer(p.address)) throw new InvariantError('peer-filter', `permission for refused peer ${p.address}`);
      if (bug !== 'forgetful-timer' && (p.expires <= now || p.expires < next)) {
        throw new InvariantError('timer', `permission for ${p.address} outlives its lifetime or the timer`);
      }
    }
    for (const ch of a.channels.values()) {
      if (ch.number < 0x4000 || ch.number > 0x4fff) throw new InvariantError('channel-range', `${ch.number}`);
      if (!admitPeer(ch.address)) throw new InvariantError('peer-filter', `channel to refused peer ${ch.address}`);
      if (ch.bound && ch.expires > now + CAPS.channelLifetime * 1000) {
        throw new InvariantError('channel-lifetime', `channel ${ch.number} expires too late`);
      }
      const end = ch.bound ? ch.expires : ch.expires + CAPS.channelReuseDelay * 1000;
      if (bug !== 'forgetful-timer' && (end <= now || end < next)) {
        throw new InvariantError('timer', `channel ${ch.number} outlives its lifetime or the timer`);
      }
    }
  }
  for (const [user, n] of perUser) {
    if (n > CAPS.userQuota) throw new InvariantError('user-quota', `${user} holds ${n}`);
  }
}
