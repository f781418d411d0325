import type { Allocation } from './allocation.ts';
import type { ClientEndpoint } from './endpoint.ts';

/**
 * Allocations by client 5-tuple (RFC 8656 §2.2), as listener → client IP → client port. Nested maps
 * keyed by the strings and numbers sockets already report, so the per-packet lookup builds no key.
 */
export class ClientTable {
  readonly #listeners = new Map<number, Map<string, Map<number, Allocation>>>();
  /**
   * The same allocations by the endpoint object they were made with: adapters that hand the same
   * object for every packet of a 5-tuple (stunnerd's batched UDP path, stream connections) are
   * answered with one identity lookup.
   */
  readonly #byEndpoint = new Map<ClientEndpoint, Allocation>();

  get(client: ClientEndpoint): Allocation | undefined {
    return this.#byEndpoint.get(client) ?? this.#listeners.get(client.listener)?.get(client.address)?.get(client.port);
  }

  set(client: ClientEndpoint, allocation: Allocation): void {
    this.#byEndpoint.set(client, allocation);
    let byAddress = this.#listeners.get(client.listener);
    if (byAddress === undefined) {
      byAddress = new Map();
      this.#listeners.set(client.listener, byAddress);
    }
    let byPort = byAddress.get(client.address);
    if (byPort === undefined) {
      byPort = new Map();
      byAddress.set(client.address, byPort);
    }
    byPort.set(client.port, allocation);
  }

  delete(client: ClientEndpoint): void {
    const a = this.get(client);
    if (a !== undefined) this.#byEndpoint.delete(a.client);
    this.#byEndpoint.delete(client);
    const byAddress = this.#listeners.get(client.listener);
    const byPort = byAddress?.get(client.address);
    if (byAddress === undefined || byPort === undefined) return;
    byPort.delete(client.port);
    if (byPort.size === 0) byAddress.delete(client.address);
    if (byAddress.size === 0) this.#listeners.delete(client.listener);
  }
}
