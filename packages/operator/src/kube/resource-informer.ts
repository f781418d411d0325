// One client-node informer (list + watch into a cache) that survives errors: client-node relists on 410
// Gone by itself but stops on any other error (reference/ts-stack.md §4), so restart it with capped
// exponential backoff.
import { type KubernetesObject, makeInformer } from '@kubernetes/client-node';
import type { KubeList, KubeObject, KubeRest } from './kube-rest.ts';
import { collectionPath, type ResourceKind } from './resource-kinds.ts';

export interface InformerEvents {
  change: (kind: ResourceKind, verb: 'add' | 'update' | 'delete', obj: KubeObject) => void;
  error: (kind: ResourceKind, err: unknown) => void;
}

export interface ResourceInformerOptions {
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class ResourceInformer {
  readonly kind: ResourceKind;
  readonly #informer: ReturnType<typeof makeInformer<KubernetesObject>>;
  readonly #events: InformerEvents;
  readonly #minBackoff: number;
  readonly #maxBackoff: number;
  #backoff: number;
  #restartTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #synced = false;

  constructor(rest: KubeRest, kind: ResourceKind, events: InformerEvents, options: ResourceInformerOptions = {}) {
    this.kind = kind;
    this.#events = events;
    this.#minBackoff = options.minBackoffMs ?? 200;
    this.#maxBackoff = options.maxBackoffMs ?? 30_000;
    this.#backoff = this.#minBackoff;
    const path = collectionPath(kind);
    const list = async (): Promise<{ metadata: { resourceVersion?: string }; items: KubernetesObject[] }> => {
      const q = kind.labelSelector ? `?labelSelector=${encodeURIComponent(kind.labelSelector)}` : '';
      const l = await rest.get<KubeList>(path + q);
      // List items carry no apiVersion/kind; the renderer's schemas need them.
      for (const item of l.items) {
        item.apiVersion = kind.apiVersion;
        item.kind = kind.kind;
      }
      this.#synced = true;
      this.#backoff = this.#minBackoff;
      return l as unknown as { metadata: { resourceVersion?: string }; items: KubernetesObject[] };
    };
    this.#informer = makeInformer(rest.kubeConfig, path, list, kind.labelSelector);
    for (const verb of ['add', 'update', 'delete'] as const) {
      this.#informer.on(verb, (obj) => this.#events.change(kind, verb, obj as unknown as KubeObject));
    }
    this.#informer.on('error', (err) => {
      // stop() aborts the watch request, which client-node reports as an error.
      if (this.#stopped) return;
      this.#events.error(kind, err);
      this.#scheduleRestart();
    });
  }

  /** Resolves once the first list has been cached (or after an error, with the restart scheduled). */
  async start(): Promise<void> {
    await this.#informer.start();
  }

  get synced(): boolean {
    return this.#synced;
  }

  list(): KubeObject[] {
    return this.#informer.list() as unknown as KubeObject[];
  }

  get(name: string, namespace?: string): KubeObject | undefined {
    return this.#informer.get(name, namespace) as unknown as KubeObject | undefined;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    await this.#informer.stop();
  }

  #scheduleRestart(): void {
    if (this.#stopped || this.#restartTimer) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, this.#maxBackoff);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopped) return;
      this.#informer.start().catch((err: unknown) => {
        this.#events.error(this.kind, err);
        this.#scheduleRestart();
      });
    }, delay);
  }
}
