import type { Timers } from './timers.ts';

interface PermissionState {
  installed: boolean;
  pending: Promise<void> | undefined;
  timer: unknown;
}

export interface PermissionRefresherHooks {
  /** Sends a CreatePermission for `ip` and, on success, calls `installed(ip)`. */
  createPermission(ip: string): Promise<void>;
  /** A timer's refresh succeeded. */
  refreshed(ip: string): void;
  /** A timer's refresh failed. */
  failed(err: unknown): void;
}

/**
 * The permissions this client holds, per peer IP, and their refresh timers: a permission lasts 300 s
 * (RFC 8656 §9), so each is re-installed every `refreshMs` while the allocation lives.
 */
export class PermissionRefresher {
  readonly #permissions = new Map<string, PermissionState>();
  readonly #timers: Timers;
  readonly #refreshMs: number;
  readonly #hooks: PermissionRefresherHooks;

  constructor(timers: Timers, refreshMs: number, hooks: PermissionRefresherHooks) {
    this.#timers = timers;
    this.#refreshMs = refreshMs;
    this.#hooks = hooks;
  }

  /** Resolves once the permission for `ip` is installed, sending one CreatePermission if none is on its way. */
  ensure(ip: string): Promise<void> {
    let p = this.#permissions.get(ip);
    if (p?.installed) return Promise.resolve();
    if (p?.pending !== undefined) return p.pending;
    if (!p) {
      p = { installed: false, pending: undefined, timer: undefined };
      this.#permissions.set(ip, p);
    }
    const state = p;
    state.pending = this.#hooks.createPermission(ip).finally(() => {
      state.pending = undefined;
    });
    return state.pending;
  }

  /** The server installed or refreshed the permission for `ip` (CreatePermission or ChannelBind): re-arms its timer. */
  installed(ip: string): void {
    let p = this.#permissions.get(ip);
    if (!p) {
      p = { installed: false, pending: undefined, timer: undefined };
      this.#permissions.set(ip, p);
    }
    p.installed = true;
    this.#timers.clearTimeout(p.timer);
    p.timer = this.#timers.setTimeout(() => {
      this.#hooks.createPermission(ip).then(
        () => this.#hooks.refreshed(ip),
        (err: unknown) => this.#hooks.failed(err),
      );
    }, this.#refreshMs);
  }

  clearTimers(): void {
    for (const p of this.#permissions.values()) this.#timers.clearTimeout(p.timer);
  }
}
