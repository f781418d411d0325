import { createSocket, type Socket } from 'node:dgram';
import { respondToBinding } from './binding-responder.ts';

export interface BindingServerOptions {
  /** UDP port. Default 3478. */
  port?: number;
  /** Addresses to bind. Default ['0.0.0.0', '::']. */
  addresses?: string[];
}

/** A STUN Binding server on UDP: the interim main job until the TURN dataplane lands. */
export class BindingServer {
  readonly #sockets: Socket[] = [];

  /** Binds every address; an address family the host lacks is skipped, others fail the start. */
  async start(options: BindingServerOptions = {}): Promise<Array<{ address: string; port: number }>> {
    const bound: Array<{ address: string; port: number }> = [];
    for (const address of options.addresses ?? ['0.0.0.0', '::']) {
      const v6 = address.includes(':');
      const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
      socket.on('message', (msg, rinfo) => {
        const reply = respondToBinding(msg, {
          family: rinfo.family as 'IPv4' | 'IPv6',
          address: rinfo.address,
          port: rinfo.port,
        });
        if (reply) socket.send(reply, rinfo.port, rinfo.address);
      });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(options.port ?? 3478, address, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        socket.close();
        if (v6 && (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') continue;
        await this.close();
        throw err;
      }
      // Errors after binding (e.g. ICMP unreachable reports) concern one send; the server goes on.
      socket.on('error', () => {});
      this.#sockets.push(socket);
      bound.push(socket.address());
    }
    return bound;
  }

  async close(): Promise<void> {
    await Promise.all(this.#sockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
