// `kubectl port-forward` for one pod port: a loopback TCP listener whose every connection is carried
// through the API server's pods/portforward subresource (client-node's WebSocket client of it), so
// stunnerctl can reach the CDS, authd and stunnerd pods from outside the cluster.
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, type Readable, Writable } from 'node:stream';
import { type KubeConfig, PortForward } from '@kubernetes/client-node';
import type { Logger } from '@stunner/log';
import { KubeApiError, KubeRest } from '@stunner/operator/runtime';
import { causeMessage, StunnerctlError } from './errors.ts';

export interface PodRef {
  namespace: string;
  name: string;
}

function describeError(err: unknown): string {
  // ws reports an upgrade refused by the API server as an ErrorEvent whose message holds the status.
  const e = err as { message?: string; error?: unknown };
  if (e?.error) return causeMessage(e.error);
  return e?.message ?? causeMessage(err);
}

export class PortForwarder {
  readonly #server: Server;
  readonly #forward: PortForward;
  readonly #pod: PodRef;
  readonly #port: number;
  readonly #log: Logger;
  readonly #sockets = new Set<Socket>();
  readonly #kc: KubeConfig;

  constructor(kc: KubeConfig, pod: PodRef, port: number, log: Logger) {
    this.#kc = kc;
    this.#forward = new PortForward(kc);
    this.#pod = pod;
    this.#port = port;
    this.#log = log;
    this.#server = createServer((socket) => void this.#carry(socket));
  }

  get target(): string {
    return `pod ${this.#pod.namespace}/${this.#pod.name} port ${this.#port}`;
  }

  /**
   * Listens on 127.0.0.1:<random> after one trial connection through the API server, so a refused
   * port-forward (RBAC, a pod without a node, no kubelet) fails here with the API server's reason.
   */
  async start(): Promise<{ host: string; port: number }> {
    try {
      (await this.#open(new Writable({ write: (_c, _e, cb) => cb() }), undefined)).close();
    } catch (err) {
      throw new StunnerctlError(
        'STUNNERCTL_ERR_PORT_FORWARD',
        `port-forward to ${this.target} through the API server failed (${describeError(err)}${await this.#reason()}): check that the pod runs and that you may create pods/portforward, or give the address explicitly`,
        { cause: err },
      );
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const a = this.#server.address();
    const port = typeof a === 'object' && a ? a.port : 0;
    this.#log.debug('port-forward ready', { target: this.target, local: `127.0.0.1:${port}` });
    return { host: '127.0.0.1', port };
  }

  /** A refused WebSocket upgrade shows only the status; the same request without upgrade says why. */
  async #reason(): Promise<string> {
    const path = `/api/v1/namespaces/${encodeURIComponent(this.#pod.namespace)}/pods/${encodeURIComponent(this.#pod.name)}/portforward?ports=${this.#port}`;
    try {
      await new KubeRest(this.#kc, 5000).request('POST', path);
      return '';
    } catch (err) {
      return err instanceof KubeApiError ? `: ${err.message.replace(/^POST \S+: \d+ /, '')}` : '';
    }
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #open(output: Writable, input: Readable | undefined) {
    const errors = new Writable({
      write: (chunk: Buffer, _e, cb) => {
        this.#log.warn('port-forward error from the pod', { target: this.target, error: chunk.toString() });
        cb();
      },
    });
    // client-node reads what to send from `input`; a trial connection sends nothing.
    const r = await this.#forward.portForward(
      this.#pod.namespace,
      this.#pod.name,
      [this.#port],
      output,
      errors,
      input ?? new PassThrough(),
    );
    // Without retries client-node hands back the WebSocket itself.
    const ws = typeof r === 'function' ? r() : r;
    if (!ws) throw new Error('no WebSocket to the API server');
    return ws;
  }

  async #carry(socket: Socket): Promise<void> {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    try {
      const ws = await this.#open(socket, socket);
      ws.addEventListener('close', () => socket.end());
      socket.on('close', () => ws.close());
    } catch (err) {
      this.#log.warn('port-forward connection failed', { target: this.target, error: describeError(err) });
      socket.destroy();
    }
  }
}
