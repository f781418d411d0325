import type { Allocation } from './allocation.ts';
import type { ClientEndpoint } from './endpoint.ts';

/**
 * Allocations by client 5-tuple (RFC 8656 §2.2), as listener → client IP → client port. Nested maps
 * keyed by the strings and numbers sockets already report, so the per-packet lookup builds no key.
 */
export class ClientTable {
  readonly #listeners = new Map<number, Map<string, Map<number, Allocation>>>();

  get(client: ClientEndpoint): Allocation | undefined {
    return this.#listeners.get(client.listener)?.get(client.address)?.get(client.port);
  }

  set(client: ClientEndpoint, allocation: Allocation): void {
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
    const byAddress = this.#listeners.get(client.listener);
    const byPort = byAddress?.get(client.address);
    if (byAddress === undefined || byPort === undefined) return;
    byPort.delete(client.port);
    if (byPort.size === 0) byAddress.delete(client.address);
    if (byAddress.size === 0) this.#listeners.delete(client.listener);
  }
}
