import type { TransportAddress } from '@stunner/stun';
import { TurnClientError } from './errors.ts';
import { formatAddress } from './peer-address.ts';
import type { Timers } from './timers.ts';

/** RFC 8656 §12: the channel numbers a client may bind. */
const FIRST_CHANNEL = 0x4000;
const LAST_CHANNEL = 0x4fff;

interface ChannelState {
  readonly number: number;
  readonly peer: TransportAddress;
  ready: boolean;
  pending: Promise<number> | undefined;
  timer: unknown;
}

/** A channel as the data path sees it. */
export interface ChannelView {
  readonly number: number;
  /** The server confirmed the binding: data to the peer may go as ChannelData. */
  readonly ready: boolean;
}

export interface ChannelRefresherHooks {
  /** Sends the ChannelBind (RFC 8656 §11.1); `peerText` names the peer in errors. */
  sendChannelBind(number: number, peer: TransportAddress, peerText: string): Promise<unknown>;
  /** Whether the allocation still lives (a binding answered after close is not armed). */
  isAllocated(): boolean;
  /** RFC 8656 §11.2: a ChannelBind also installs or refreshes the permission for the peer's IP. */
  bound(peer: TransportAddress): void;
  /** A timer's re-bind succeeded. */
  refreshed(peerText: string): void;
  /** A timer's re-bind failed. */
  failed(err: unknown): void;
}

/**
 * The channels this client bound, by peer and by number, and their refresh timers: a binding lasts
 * 600 s (RFC 8656 §12), so each is re-bound every `refreshMs` while the allocation lives.
 */
export class ChannelRefresher {
  readonly #channels = new Map<string, ChannelState>();
  readonly #peersByChannel = new Map<number, TransportAddress>();
  #nextChannel = FIRST_CHANNEL;
  readonly #timers: Timers;
  readonly #refreshMs: number;
  readonly #hooks: ChannelRefresherHooks;

  constructor(timers: Timers, refreshMs: number, hooks: ChannelRefresherHooks) {
    this.#timers = timers;
    this.#refreshMs = refreshMs;
    this.#hooks = hooks;
  }

  /** The channel to `peer`, bound or being bound. */
  get(peer: TransportAddress): ChannelView | undefined {
    return this.#channels.get(formatAddress(peer));
  }

  /** The peer a received ChannelData number belongs to. */
  peerOf(number: number): TransportAddress | undefined {
    return this.#peersByChannel.get(number);
  }

  /** Binds a channel to `peer` (or joins the binding on its way) and resolves to its number. */
  bind(peer: TransportAddress): Promise<number> {
    const key = formatAddress(peer);
    let ch = this.#channels.get(key);
    if (ch?.ready) return Promise.resolve(ch.number);
    if (ch?.pending !== undefined) return ch.pending;
    if (!ch) {
      if (this.#nextChannel > LAST_CHANNEL) {
        return Promise.reject(new TurnClientError('TURN_CLIENT_ERR_STATE', 'all 4096 channel numbers are in use'));
      }
      ch = { number: this.#nextChannel++, peer, ready: false, pending: undefined, timer: undefined };
      this.#channels.set(key, ch);
      // RFC 8656 §11.2: ChannelData may arrive as soon as the ChannelBind is sent (the server binds
      // before its response is read here), so accept it on this number from now on.
      this.#peersByChannel.set(ch.number, peer);
    }
    const state = ch;
    state.pending = this.#channelBind(state).finally(() => {
      state.pending = undefined;
    });
    return state.pending;
  }

  clearTimers(): void {
    for (const c of this.#channels.values()) this.#timers.clearTimeout(c.timer);
  }

  async #channelBind(ch: ChannelState): Promise<number> {
    const peer = formatAddress(ch.peer);
    await this.#hooks.sendChannelBind(ch.number, ch.peer, peer);
    if (!this.#hooks.isAllocated()) return ch.number;
    ch.ready = true;
    this.#hooks.bound(ch.peer);
    this.#timers.clearTimeout(ch.timer);
    ch.timer = this.#timers.setTimeout(() => {
      ch.pending = this.#channelBind(ch)
        .then((n) => {
          this.#hooks.refreshed(peer);
          return n;
        })
        .catch((err: unknown) => {
          this.#hooks.failed(err);
          return ch.number;
        })
        .finally(() => {
          ch.pending = undefined;
        });
    }, this.#refreshMs);
    return ch.number;
  }
}
