// `stunnerctl render`: what the operator would produce from a set of manifests, without a cluster.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CDS_PORT, DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER } from '@stunner/api';
import { type DataplaneMode, type RenderOptions, render, snapshotFromManifests } from '@stunner/operator';
import { stringify } from 'yaml';
import { readManifests } from './read-manifests.ts';

export const RENDER_USAGE = `usage: stunnerctl render -f <file|dir|-> [-f ...] [-o yaml|json] [--dataplane-mode managed|legacy]
       [--no-endpoint-discovery] [--disable-endpointslice-controller] [--controller-name NAME]
       [--config-origin URL] [--now RFC3339]

Prints the stunnerd configs, the Services/Deployments (legacy mode: ConfigMaps) and the statuses the
operator would write for the given manifests. Manifest errors go to stderr with the object and field.`;

export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: () => string;
}

export function renderCommand(argv: string[], io: CommandIO): number {
  let values: ReturnType<typeof parse>['values'];
  function parse(a: string[]) {
    return parseArgs({
      args: a,
      allowNegative: true,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        output: { type: 'string', short: 'o', default: 'yaml' },
        'dataplane-mode': { type: 'string', default: 'managed' },
        'endpoint-discovery': { type: 'boolean', default: true },
        'disable-endpointslice-controller': { type: 'boolean', default: false },
        'controller-name': { type: 'string', default: DEFAULT_CONTROLLER_NAME },
        'config-origin': { type: 'string' },
        now: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    values = parse(argv).values;
  } catch (e) {
    io.stderr(`stunnerctl render: ${(e as Error).message}\n${RENDER_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${RENDER_USAGE}\n`);
    return 0;
  }
  const files = values.filename ?? [];
  if (files.length === 0) {
    io.stderr(`stunnerctl render: -f is required\n${RENDER_USAGE}\n`);
    return 2;
  }
  if (values.output !== 'yaml' && values.output !== 'json') {
    io.stderr(`stunnerctl render: -o must be yaml or json\n`);
    return 2;
  }
  const mode = values['dataplane-mode'];
  if (mode !== 'managed' && mode !== 'legacy') {
    io.stderr(`stunnerctl render: --dataplane-mode must be managed or legacy\n`);
    return 2;
  }
  const now = values.now ? new Date(values.now) : new Date();
  if (Number.isNaN(now.getTime())) {
    io.stderr(`stunnerctl render: --now must be an RFC 3339 timestamp\n`);
    return 2;
  }
  const read = readManifests(files, io.stdin);
  const load = snapshotFromManifests(read.docs);
  const operatorAddr = process.env.STUNNER_GATEWAY_OPERATOR_ADDRESS ?? '127.0.0.1';
  const opts: RenderOptions = {
    controllerName: values['controller-name'],
    dataplaneMode: mode as DataplaneMode,
    endpointDiscovery: values['endpoint-discovery'],
    useEndpointSlices: !values['disable-endpointslice-controller'],
    configOrigin: values['config-origin'] ?? `http://${operatorAddr}:${DEFAULT_CDS_PORT}`,
    labelFilter: process.env.STUNNER_GATEWAY_OPERATOR_LABEL_FILTER?.split(',') ?? DEFAULT_LABEL_FILTER,
    now: () => now,
  };
  const result = render(load.snapshot, opts);
  const out = {
    configs: result.configs,
    services: result.services,
    deployments: result.deployments,
    ...(mode === 'legacy' ? { configMaps: result.configMaps } : {}),
    statuses: result.statuses,
    issues: result.issues,
  };
  io.stdout(
    values.output === 'json'
      ? `${JSON.stringify(out, null, 2)}\n`
      : stringify(out, { lineWidth: 0, aliasDuplicateObjects: false }),
  );
  const errors = [...read.errors, ...load.errors];
  for (const e of errors) io.stderr(`error: ${e.object}${e.field ? ` ${e.field}` : ''}: ${e.message}\n`);
  return errors.length > 0 ? 1 : 0;
}

export function stdinText(): string {
  return readFileSync(0, 'utf8');
}
