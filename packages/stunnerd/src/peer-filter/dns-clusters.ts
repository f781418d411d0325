import { lookup } from 'node:dns/promises';

/** Resolves a host name to every address it has; injectable for tests. */
export type Resolve = (name: string) => Promise<string[]>;

const systemResolve: Resolve = async (name) => (await lookup(name, { all: true })).map((a) => a.address);

/**
 * Keeps the addresses of STRICT_DNS clusters fresh (stunner-v1.md §1.1: re-resolved every 5 s). A name
 * that fails to resolve keeps its last addresses; `onChange` is called when a cluster's set changes.
 */
export class DnsClusters {
  readonly #resolve: Resolve;
  readonly #interval: number;
  readonly #onChange: (cluster: string, addresses: ReadonlySet<string>) => void;
  #clusters = new Map<string, { names: readonly string[]; addresses: ReadonlySet<string> }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    onChange: (cluster: string, addresses: ReadonlySet<string>) => void,
    resolve: Resolve = systemResolve,
    interval = 5000,
  ) {
    this.#onChange = onChange;
    this.#resolve = resolve;
    this.#interval = interval;
  }

  /** The clusters to follow; others are dropped. Resolves once before returning. */
  async set(clusters: ReadonlyArray<{ name: string; endpoints: readonly string[] }>): Promise<void> {
    const next = new Map<string, { names: readonly string[]; addresses: ReadonlySet<string> }>();
    for (const c of clusters) {
      const old = this.#clusters.get(c.name);
      const same = old && old.names.join(',') === c.endpoints.join(',');
      next.set(c.name, { names: c.endpoints, addresses: same ? old.addresses : new Set() });
    }
    this.#clusters = next;
    await this.refresh();
    if (this.#clusters.size > 0 && !this.#timer) {
      this.#timer = setInterval(() => void this.refresh(), this.#interval);
      this.#timer.unref();
    } else if (this.#clusters.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  addresses(cluster: string): ReadonlySet<string> {
    return this.#clusters.get(cluster)?.addresses ?? new Set();
  }

  async refresh(): Promise<void> {
    await Promise.all(
      [...this.#clusters].map(async ([name, entry]) => {
        const results = await Promise.all(entry.names.map((n) => this.#resolve(n).catch(() => undefined)));
        if (results.every((r) => r === undefined)) return;
        const addresses = new Set(results.flatMap((r) => r ?? []));
        const current = this.#clusters.get(name);
        if (current !== entry) return;
        if (addresses.size === entry.addresses.size && [...addresses].every((a) => entry.addresses.has(a))) return;
        this.#clusters.set(name, { names: entry.names, addresses });
        this.#onChange(name, addresses);
      }),
    );
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
