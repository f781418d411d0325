// stunnerctl's client of the config discovery service (stunner-v1.md §1.6): `@stunner/cds-client`'s
// reads and watch of one, a namespace's or all configs, with stunnerctl's errors (what flag to check),
// and the license status.
import { CdsError, CdsWatch, type ConfigSelector, cdsGet, describeSelector, fetchConfigs } from '@stunner/cds-client';
import type { Logger } from '@stunner/log';
import { causeMessage, StunnerctlError } from './errors.ts';
import type { ConfigView, LicenseView } from './summary.ts';

export type { ConfigSelector } from '@stunner/cds-client';

/** A CDS read failure in stunnerctl's terms. */
function cdsFailure(err: unknown, sel: ConfigSelector): unknown {
  if (!(err instanceof CdsError)) return err;
  switch (err.code) {
    case 'CDS_ERR_UNREACHABLE':
      return new StunnerctlError(
        'STUNNERCTL_ERR_CDS',
        `${err.message}: check --cds-server-address, or the operator pod when discovering through Kubernetes`,
        { cause: err },
      );
    case 'CDS_ERR_NOT_FOUND':
      return new StunnerctlError(
        'STUNNERCTL_ERR_NOT_FOUND',
        `no config for gateway ${sel.namespace}/${sel.name} at the CDS: check the Gateway name and -n (\`stunnerctl config -n ${sel.namespace}\` lists the namespace's gateways)`,
        { cause: err },
      );
    default:
      return new StunnerctlError('STUNNERCTL_ERR_CDS', err.message, { cause: err });
  }
}

function parseView(text: string): ConfigView {
  const config = JSON.parse(text) as ConfigView | null;
  if (config?.version !== 'v1') throw new Error('not a stunnerd v1 config');
  return config;
}

export class CdsClient {
  readonly #base: string;
  readonly #timeoutMs: number;

  /** `base`: `http://host:port`. */
  constructor(base: string, timeoutMs = 5000) {
    this.#base = base;
    this.#timeoutMs = timeoutMs;
  }

  get base(): string {
    return this.#base;
  }

  async getConfigs(sel: ConfigSelector): Promise<ConfigView[]> {
    try {
      return (await fetchConfigs(this.#base, sel, { timeoutMs: this.#timeoutMs })) as ConfigView[];
    } catch (err) {
      throw cdsFailure(err, sel);
    }
  }

  async license(): Promise<LicenseView> {
    const url = new URL('/api/v1/license', this.#base);
    let answer: { status: number; text: string };
    try {
      answer = await cdsGet(url, { timeoutMs: this.#timeoutMs });
    } catch (err) {
      throw cdsFailure(err, {});
    }
    if (answer.status !== 200)
      throw new StunnerctlError('STUNNERCTL_ERR_CDS', `the CDS answered ${answer.status} for ${url}`);
    try {
      return JSON.parse(answer.text) as LicenseView;
    } catch (cause) {
      throw new StunnerctlError(
        'STUNNERCTL_ERR_CDS',
        `the CDS answered the license query with ${answer.status} and no JSON`,
        {
          cause,
        },
      );
    }
  }

  /**
   * Follows the selected configs until `signal` aborts: `onConfig` gets the current ones, then each
   * change (a deleted Gateway as a config without listeners and clusters). Rejects if the first
   * connection fails; later failures reconnect every second.
   */
  watch(sel: ConfigSelector, onConfig: (c: ConfigView) => void, signal: AbortSignal, log: Logger): Promise<void> {
    const watch = new CdsWatch({ base: this.#base, selector: sel, parse: parseView });
    return new Promise<void>((resolve, reject) => {
      let connected = false;
      const stop = () => {
        watch.close();
        resolve();
      };
      signal.addEventListener('abort', stop, { once: true });
      watch.on('connected', () => {
        connected = true;
        log.info('connected', { url: watch.url });
      });
      watch.on('config', onConfig);
      watch.on('warning', (message) => log.warn(message));
      watch.on('disconnected', (reason, cause) => {
        if (signal.aborted) return;
        if (!connected) {
          signal.removeEventListener('abort', stop);
          watch.close();
          reject(
            new StunnerctlError(
              'STUNNERCTL_ERR_CDS',
              `cannot watch ${describeSelector(sel)} at the config discovery service ${watch.url} (${causeMessage(cause ?? reason)}): check --cds-server-address`,
              { cause },
            ),
          );
          return;
        }
        log.warn('watch closed, reconnecting', { reason });
      });
      if (!signal.aborted) watch.start();
    });
  }
}
