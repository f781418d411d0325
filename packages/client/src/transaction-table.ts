import type { StunMessage } from '@stunner/stun';
import type { Timers } from './timers.ts';

export interface RetransmitOptions {
  /** Initial retransmission timeout, RTO (RFC 8489 §6.2.1 asks ≥ 500 ms). Default 500 ms. */
  rto?: number;
  /** Transmissions in all, Rc. Default 7. */
  maxTransmissions?: number;
  /** After the last transmission wait Rm × RTO for the response. Default 16. */
  lastWaitFactor?: number;
  /** Over reliable transports there are no retransmissions; the transaction fails after Ti. Default 39500 ms. */
  reliableTimeoutMs?: number;
}

export interface Timeout {
  transmissions: number;
  elapsedMs: number;
}

interface Pending {
  resolve(msg: StunMessage): void;
  reject(err: Error): void;
  timer: unknown;
}

/**
 * Outstanding client transactions keyed by transaction ID, with the retransmission schedule of
 * RFC 8489 §6.2.1: over UDP the request is sent at 0, RTO, 3·RTO, 7·RTO … (the interval doubles),
 * Rc times in all, and fails Rm·RTO after the last send; over TCP/TLS it is sent once and fails after Ti.
 */
export class TransactionTable {
  readonly #pending = new Map<string, Pending>();
  readonly #timers: Timers;
  readonly #rto: number;
  readonly #rc: number;
  readonly #rm: number;
  readonly #ti: number;
  readonly #timeoutError: (t: Timeout) => Error;

  constructor(timers: Timers, options: RetransmitOptions, timeoutError: (t: Timeout) => Error) {
    this.#timers = timers;
    this.#rto = options.rto ?? 500;
    this.#rc = options.maxTransmissions ?? 7;
    this.#rm = options.lastWaitFactor ?? 16;
    this.#ti = options.reliableTimeoutMs ?? 39_500;
    this.#timeoutError = timeoutError;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Sends `packet` now (and again per the schedule unless `reliable`); resolves with the matching response. */
  start(
    transactionId: Buffer,
    packet: Buffer,
    send: (packet: Buffer) => void,
    reliable: boolean,
  ): Promise<StunMessage> {
    const key = transactionId.toString('hex');
    return new Promise((resolve, reject) => {
      const entry: Pending = { resolve, reject, timer: undefined };
      this.#pending.set(key, entry);
      const fail = (t: Timeout): void => {
        this.#pending.delete(key);
        reject(this.#timeoutError(t));
      };
      if (reliable) {
        entry.timer = this.#timers.setTimeout(() => fail({ transmissions: 1, elapsedMs: this.#ti }), this.#ti);
      } else {
        let sent = 0;
        let elapsed = 0;
        let interval = this.#rto;
        const transmit = (): void => {
          if (!this.#pending.has(key)) return;
          send(packet);
          sent++;
          const wait = sent < this.#rc ? interval : this.#rm * this.#rto;
          entry.timer = this.#timers.setTimeout(() => {
            elapsed += wait;
            if (sent < this.#rc) transmit();
            else fail({ transmissions: sent, elapsedMs: elapsed });
          }, wait);
          interval *= 2;
        };
        transmit();
        return;
      }
      send(packet);
    });
  }

  /** Completes the transaction the response belongs to; false when none is outstanding (a late duplicate). */
  complete(response: StunMessage): boolean {
    const key = response.transactionId.toString('hex');
    const entry = this.#pending.get(key);
    if (!entry) return false;
    this.#pending.delete(key);
    this.#timers.clearTimeout(entry.timer);
    entry.resolve(response);
    return true;
  }

  rejectAll(err: Error): void {
    for (const entry of this.#pending.values()) {
      this.#timers.clearTimeout(entry.timer);
      entry.reject(err);
    }
    this.#pending.clear();
  }
}
