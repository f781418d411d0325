// `node packages/operator/src/main.ts` run the way the chart's Deployment runs it: the container's args
// and environment from the rendered manifest, with the bind addresses moved to free loopback ports and
// the pod IP played by 127.0.0.1, and Secret volumes (the CDS token) read from the apiserver into files.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { type AdminRequest, freePort } from '@stunner/testing';
import type { KubeManifest } from './helm.ts';
import { type MountedSecrets, mountSecretVolumes, type PodSpecWithVolumes } from './pod-secret-volumes.ts';
import { repoRoot } from './repo-root.ts';

const operatorMain = join(repoRoot, 'packages/operator/src/main.ts');
const authdMain = join(repoRoot, 'packages/auth/src/main.ts');

interface Container {
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

export interface OperatorProcess {
  child: ChildProcess;
  cdsPort: number;
  metricsPort: number;
  healthPort: number;
  /** Everything the process wrote to stderr so far (its log). */
  log(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** The pod's Secret volumes as files; a pod that mounts any needs `request` to read them. */
async function podVolumes(
  deployment: KubeManifest,
  request: AdminRequest | undefined,
): Promise<MountedSecrets | undefined> {
  const spec = (deployment.spec as { template: { spec: PodSpecWithVolumes } }).template.spec;
  if (!spec.volumes?.length) return undefined;
  if (!request) throw new Error(`${deployment.metadata.name} mounts Secrets: pass the apiserver request to read them`);
  return mountSecretVolumes(request, deployment.metadata.namespace ?? 'default', spec);
}

export async function startChartOperator(
  deployment: KubeManifest,
  kubeconfigPath: string,
  opts: { podName?: string; request?: AdminRequest } = {},
): Promise<OperatorProcess> {
  const { podName = 'stunner-gateway-operator-7d4b9c-x2x5q', request } = opts;
  const pod = (deployment.spec as { template: { metadata: { namespace?: string }; spec: { containers: Container[] } } })
    .template;
  const c = pod.spec.containers[0]!;
  const volumes = await podVolumes(deployment, request);
  const [cdsPort, metricsPort, healthPort] = [await freePort(), await freePort(), await freePort()];
  const bind: Record<string, string> = {
    '--config-discovery-address': `127.0.0.1:${cdsPort}`,
    '--metrics-bind-address': `127.0.0.1:${metricsPort}`,
    '--health-probe-bind-address': `127.0.0.1:${healthPort}`,
  };
  const args = (c.args ?? []).map((a) => {
    const flag = a.split('=')[0]!;
    return bind[flag] ? `${flag}=${bind[flag]}` : a;
  });
  const fieldRefs: Record<string, string> = {
    'status.podIP': '127.0.0.1',
    'metadata.namespace': deployment.metadata.namespace ?? 'default',
    'metadata.name': podName,
  };
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOSTNAME: podName };
  for (const e of c.env ?? []) {
    const v = e.value ?? (e.valueFrom?.fieldRef ? fieldRefs[e.valueFrom.fieldRef.fieldPath] : undefined);
    if (v === undefined) throw new Error(`env ${e.name}: no value in this test for ${JSON.stringify(e.valueFrom)}`);
    env[e.name] = volumes ? volumes.path(v) : v;
  }
  const child = spawn(process.execPath, [operatorMain, ...args, `--kubeconfig=${kubeconfigPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(child, 'exit');
  child.once('exit', () => volumes?.cleanup());
  return {
    child,
    cdsPort,
    metricsPort,
    healthPort,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** authd run the way the chart's stunner-auth Deployment runs it, reading the CDS of a local operator. */
export async function startChartAuthd(
  deployment: KubeManifest,
  cdsPort: number,
  request?: AdminRequest,
): Promise<OperatorProcess> {
  const c = (deployment.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
  const volumes = await podVolumes(deployment, request);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = volumes ? volumes.path(e.value) : e.value;
  const port = await freePort();
  const args = (c.args ?? []).map((a) => {
    const flag = a.split('=')[0]!;
    if (flag === '--port') return `--port=${port}`;
    // The Service name stands for the operator pods: here the operator listens on loopback.
    if (flag === '--cds-server-address') return '--cds-server-address=127.0.0.1';
    if (flag === '--cds-server-port') return `--cds-server-port=${cdsPort}`;
    return a;
  });
  const child = spawn(process.execPath, [authdMain, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  child.once('exit', () => volumes?.cleanup());
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(child, 'exit');
  return {
    child,
    cdsPort,
    metricsPort: 0,
    healthPort: port,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
