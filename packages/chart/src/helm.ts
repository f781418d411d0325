// helm lint and helm template of deploy/helm/stunner, run as the helm CLI with a private home, so nothing
// of the user's helm configuration (repositories, plugins, caches) plays a part.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureHelm } from '@stunner/testing';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './repo-root.ts';

export const CHART_DIR = join(repoRoot, 'deploy/helm/stunner');
export const RELEASE_NAME = 'stunner';
export const RELEASE_NAMESPACE = 'stunner-system';

export class HelmError extends Error {
  readonly code = 'STUNNER_ERR_HELM';
}

let helmHome: string | undefined;

/** Runs helm; returns stdout, throws with stderr when helm fails. */
export function helm(args: string[]): string {
  helmHome ??= mkdtempSync(join(tmpdir(), 'stunner-helm-home-'));
  const r = spawnSync(ensureHelm(), args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: helmHome,
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    },
  });
  if (r.status !== 0)
    throw new HelmError(`helm ${args.join(' ')}: exit ${r.status ?? r.signal}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `--set` pairs, e.g. { 'stunnerAuthService.enabled': 'true' }. */
export type Values = Record<string, string>;

function setArgs(values: Values): string[] {
  return Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

export function helmLint(values: Values = {}): string {
  return helm(['lint', CHART_DIR, '--strict', '--namespace', RELEASE_NAMESPACE, ...setArgs(values)]);
}

export interface TemplateOptions {
  values?: Values;
  includeCrds?: boolean;
  namespace?: string;
}

/** The chart rendered as `helm template` prints it. */
export function helmTemplateText(opts: TemplateOptions = {}): string {
  return helm([
    'template',
    RELEASE_NAME,
    CHART_DIR,
    '--namespace',
    opts.namespace ?? RELEASE_NAMESPACE,
    ...(opts.includeCrds ? ['--include-crds'] : []),
    ...setArgs(opts.values ?? {}),
  ]);
}

export type KubeManifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
} & Record<string, unknown>;

export function parseManifests(text: string): KubeManifest[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new HelmError(`rendered YAML does not parse: ${d.errors[0]?.message}`);
      return d.toJS() as KubeManifest | null;
    })
    .filter((o): o is KubeManifest => o !== null && typeof o === 'object');
}

export function helmTemplate(opts: TemplateOptions = {}): KubeManifest[] {
  return parseManifests(helmTemplateText(opts));
}
