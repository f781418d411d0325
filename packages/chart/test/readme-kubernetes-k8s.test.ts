// README "Run on Kubernetes", run as written against a real kube-apiserver: the commands are read from
// the README's sh blocks, so the section and this test cannot drift. helm, kubectl and openssl run
// themselves; `npm run turncat -- <args>` runs turncat with those args. With no kubelet here, the test
// plays the rest of a cluster after each command: the operator, stunnerd and the greeter run as the
// processes their Deployments describe, the cloud's load balancer gives each Gateway Service an address,
// ClusterIPs come from a loopback range so the greeter can listen on its Service's ClusterIP (kube-proxy's
// part), and the port-forward is the operator's CDS port. The Gateways' ports are the README's (3478, 443).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type ControlPlane,
  ensureHelm,
  startControlPlane,
  type WatchedProcess,
  waitUntil,
  watchProcess,
} from '@stunner/testing';
import { parseAllDocuments } from 'yaml';
import {
  type KubeManifest,
  type MountedSecrets,
  mountSecretVolumes,
  type OperatorProcess,
  type PodSpecWithVolumes,
  RELEASE_NAMESPACE,
  repoRoot,
  startChartOperator,
  writeServiceAccountKubeconfig,
} from '../src/index.ts';

ensureHelm();

const STUNNERD = join(repoRoot, 'packages/stunnerd/src/main.ts');
const TURNCAT = join(repoRoot, 'packages/cli/src/turncat.ts');
const UDP_GREETER = join(repoRoot, 'packages/cli/src/udp-greeter.ts');
const GREETING = 'Greetings from STUNner!\n';

/** The commands of the README section's sh blocks; a heredoc stays with its command. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Run on Kubernetes\n');
  assert.ok(start >= 0, 'README has a "Run on Kubernetes" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const commands: string[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1]!.split('\n').filter((l) => l.trim() !== '');
    for (let i = 0; i < lines.length; i++) {
      let cmd = lines[i]!;
      if (/<<EOF$/.test(cmd)) {
        while (lines[i] !== 'EOF') {
          i++;
          assert.ok(i < lines.length, `heredoc of ${cmd} ends with EOF`);
          cmd += `\n${lines[i]}`;
        }
      }
      commands.push(cmd);
    }
  }
  return commands;
}

/** The YAML documents of the README's `kubectl apply -f - <<EOF` commands. */
function heredocObjects(commands: string[]): KubeManifest[] {
  return commands
    .filter((c) => c.startsWith('kubectl apply -f - <<EOF\n'))
    .flatMap((c) =>
      parseAllDocuments(c.slice(c.indexOf('\n') + 1, c.lastIndexOf('\nEOF'))).map((d) => d.toJS() as KubeManifest),
    );
}

test('the README objects are deploy/examples/quickstart.yaml (the UDP part) and the seed TLS Gateway', () => {
  const objs = heredocObjects(readmeCommands());
  const quickstart = parseAllDocuments(readFileSync(join(repoRoot, 'deploy/examples/quickstart.yaml'), 'utf8'))
    .map((d) => d.toJS() as KubeManifest)
    .filter((o) => ['GatewayClass', 'GatewayConfig', 'Gateway', 'UDPRoute'].includes(o.kind));
  assert.deepEqual(objs.slice(0, 4), quickstart);
  assert.deepEqual(
    objs.slice(4).map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`),
    ['gateway.networking.k8s.io/v1 Gateway/tls-gateway', 'gateway.networking.k8s.io/v1alpha2 UDPRoute/media-plane'],
  );
});

describe('README "Run on Kubernetes" on a real kube-apiserver', { timeout: 300_000 }, () => {
  let cp: ControlPlane;
  let work: string;
  let operator: OperatorProcess | undefined;
  const pods = new Map<string, WatchedProcess>();
  const mounted: MountedSecrets[] = [];
  const env: Record<string, string> = {};
  /** What the README exports, for the commands after it (turncat reads STUNNER_CDS_TOKEN_FILE). */
  const exports: Record<string, string> = {};
  /** Gateway → the address its pod and its load balancer have. */
  const addresses = new Map<string, string>();

  before(async () => {
    // ClusterIPs in 127.96.0.0/16: loopback addresses a process here can listen on.
    cp = await startControlPlane({ serviceClusterIpRange: '127.96.0.0/16' });
    work = mkdtempSync(join(tmpdir(), 'stunner-readme-k8s-'));
    // The commands name repository paths (deploy/...) and write files (tls.key): a scratch directory
    // with the repository's deploy/ in it.
    symlinkSync(join(repoRoot, 'deploy'), join(work, 'deploy'));
    Object.assign(env, {
      PATH: `${dirname(ensureHelm())}:${process.env.PATH ?? ''}`,
      HOME: work,
      KUBECONFIG: cp.kubeconfigPath,
    });
  });
  after(async () => {
    await Promise.all([...pods.values()].map((p) => p.stop()));
    await operator?.stop();
    for (const m of mounted) m.cleanup();
    await cp?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const get = async <T = KubeManifest>(path: string): Promise<T | undefined> => {
    try {
      return await cp.request<T>('GET', path);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  };

  type Container = {
    args?: string[];
    env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  };
  const containerOf = (d: KubeManifest): Container =>
    (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;

  /** What the kubelet, the load balancer and the operator's Deployment would do by now. */
  async function playCluster(): Promise<void> {
    const opDeployment = await get(
      `/apis/apps/v1/namespaces/${RELEASE_NAMESPACE}/deployments/stunner-gateway-operator`,
    );
    if (opDeployment && !operator) {
      // One host holds every pod here: the dataplanes' health servers would all take port 8086.
      await cp.request(
        'PATCH',
        '/apis/stunner.l7mp.io/v1/dataplanes/default',
        { spec: { disableHealthCheck: true } },
        'application/merge-patch+json',
      );
      const kubeconfig = await writeServiceAccountKubeconfig(
        cp,
        RELEASE_NAMESPACE,
        'stunner-gateway-operator-controller-manager',
        join(work, 'operator-kubeconfig'),
      );
      operator = await startChartOperator(opDeployment, kubeconfig, { request: cp.request });
    }
    const gateways =
      (await get<{ items: KubeManifest[] }>('/apis/gateway.networking.k8s.io/v1/namespaces/stunner/gateways'))?.items ??
      [];
    for (const gw of gateways) {
      const name = gw.metadata.name;
      if (pods.has(name)) continue;
      const deployment = await waitUntil<KubeManifest>(
        `the operator's Deployment stunner/${name}`,
        async () => {
          if (operator?.child.exitCode !== null) throw new Error(`operator exited:\n${operator?.log()}`);
          return get(`/apis/apps/v1/namespaces/stunner/deployments/${name}`);
        },
        30_000,
      );
      // stunnerd binds its listeners to the wildcard address and answers from the address the route to
      // the client picks: on one host that is 127.0.0.1, so the pods and load balancers all have it.
      const ip = '127.0.0.1';
      addresses.set(name, ip);
      await waitUntil('the Gateway Service', () => get(`/api/v1/namespaces/stunner/services/${name}`), 30_000);
      await cp.request(
        'PATCH',
        `/api/v1/namespaces/stunner/services/${name}/status`,
        { status: { loadBalancer: { ingress: [{ ip }] } } },
        'application/merge-patch+json',
      );
      const c = containerOf(deployment);
      // The chart's CDS token, from the Secret the operator wrote in the Gateway's namespace.
      const volumes = await mountSecretVolumes(
        cp.request,
        'stunner',
        (deployment.spec as { template: { spec: PodSpecWithVolumes } }).template.spec,
      );
      mounted.push(volumes);
      const fieldRefs: Record<string, string> = { 'status.podIP': ip, 'spec.nodeName': 'node-1' };
      const podEnv: Record<string, string> = { PATH: process.env.PATH ?? '' };
      for (const e of c.env ?? []) {
        const v = e.value ?? (e.valueFrom?.fieldRef ? fieldRefs[e.valueFrom.fieldRef.fieldPath] : undefined);
        if (v !== undefined) podEnv[e.name] = volumes.path(v);
      }
      assert.ok(podEnv.STUNNER_CDS_TOKEN_FILE, 'the dataplane pod names its mounted CDS token');
      // `command: [stunnerd]`, the Dataplane's args; fewer UDP threads on this 2-core machine.
      const args = (c.args ?? []).map((a) => (a.startsWith('--udp-thread-num=') ? '--udp-thread-num=2' : a));
      const pod = watchProcess(process.execPath, [STUNNERD, ...args], { name: `stunnerd ${name}`, env: podEnv });
      pods.set(name, pod);
      await pod.waitFor(new RegExp(`listener stunner/${name}/\\S+ \\S+ port \\d+: \\w+:${ip.replaceAll('.', '\\.')}`), {
        timeoutMs: 30_000,
        what: `stunnerd of ${name} to open its listener`,
      });
    }
    const greeter = await get('/apis/apps/v1/namespaces/default/deployments/udp-greeter');
    if (greeter && !pods.has('udp-greeter')) {
      const svc = await get<{ spec: { clusterIP: string } }>('/api/v1/namespaces/default/services/media-plane');
      assert.ok(svc, 'the media-plane Service');
      const pod = watchProcess(
        process.execPath,
        [UDP_GREETER, ...(containerOf(greeter).args ?? []), '--address', svc.spec.clusterIP],
        { name: 'udp-greeter', env: { PATH: process.env.PATH ?? '' } },
      );
      pods.set('udp-greeter', pod);
      await pod.waitFor(/udp-greeter listening/, { what: 'the greeter on the ClusterIP' });
    }
  }

  const sh = (command: string): string => {
    const r = spawnSync('sh', ['-c', command], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${command}\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };

  async function turncat(args: string[]): Promise<WatchedProcess> {
    const p = watchProcess(process.execPath, [TURNCAT, ...args], {
      name: 'turncat',
      env: { PATH: process.env.PATH ?? '', ...exports },
    });
    try {
      // A user types again when nothing came back: lines typed before the allocation exists are not relayed.
      p.child.stdin!.on('error', () => {}); // typing into a turncat that has exited
      const typing = setInterval(() => p.child.stdin!.write('Hello STUNner\n'), 1000);
      p.child.stdin!.write('Hello STUNner\n');
      p.child.once('exit', () => clearInterval(typing));
      await p
        .waitFor(/Greetings from STUNner!\n/, { timeoutMs: 20_000, what: 'the greeting through STUNner' })
        .catch((err: Error) => {
          const logs = [...pods].map(([n, q]) => `--- ${n} ---\n${q.stdout().slice(-3000)}${q.stderr().slice(-3000)}`);
          throw new Error(`${err.message}\n${logs.join('\n')}`);
        });
      clearInterval(typing);
      assert.match(p.stdout(), new RegExp(`^(${GREETING.trimEnd()}\n)+$`));
    } finally {
      await p.stop();
    }
    return p;
  }

  test('every command of the section, in order, ends in a greeting over UDP and over TLS', async () => {
    const commands = readmeCommands();
    const ran: string[] = [];
    let cdsPort: number | undefined;
    for (const command of commands) {
      const forward = /^kubectl -n stunner-system port-forward svc\/stunner-config-discovery (\d+):13478 &$/.exec(
        command,
      );
      const exported = /^export (\w+)=/.exec(command);
      const npmTurncat = /^npm run turncat -- (.*)$/.exec(command);
      if (forward) {
        // No pod to forward to here: the operator process serves the CDS on its own port.
        assert.ok(operator, 'the operator runs');
        cdsPort = operator.cdsPort;
        env.FORWARDED_PORT = forward[1]!;
      } else if (exported) {
        const name = exported[1]!;
        env[name] = exports[name] = sh(`${command}; printf '%s' "$${name}"`);
      } else if (npmTurncat) {
        const args = npmTurncat[1]!
          .replace(/\$\{(\w+)\}/g, (_, v: string) => env[v] ?? '')
          .split(/\s+/)
          .map((a) =>
            cdsPort !== undefined ? a.replace(`127.0.0.1:${env.FORWARDED_PORT}`, `127.0.0.1:${cdsPort}`) : a,
          );
        const p = await turncat(args);
        const listener = /k8s:\/\/stunner\/([\w-]+):/.exec(npmTurncat[1]!)?.[1];
        if (args.includes('all:INFO') && listener) {
          assert.match(
            p.stderr(),
            new RegExp(`TURN server: tls://${addresses.get(listener)!.replaceAll('.', '\\.')}:443`),
          );
        }
      } else {
        sh(command);
        await playCluster();
      }
      ran.push(command.split('\n')[0]!);
    }
    assert.deepEqual(ran, [
      'helm install stunner deploy/helm/stunner --create-namespace --namespace stunner-system',
      'kubectl create namespace stunner',
      'kubectl apply -f - <<EOF',
      'kubectl apply -f deploy/manifests/udp-greeter.yaml',
      'kubectl -n stunner-system port-forward svc/stunner-config-discovery 13478:13478 &',
      "kubectl -n stunner-system get secret stunner-config-discovery-token -o jsonpath='{.data.token}' | base64 -d > cds-token",
      'export STUNNER_CDS_TOKEN_FILE=$PWD/cds-token',
      "export PEER_IP=$(kubectl get svc media-plane -o jsonpath='{.spec.clusterIP}')",
      `npm run turncat -- --cds-server-address=127.0.0.1:13478 - k8s://stunner/udp-gateway:udp-listener udp://\${PEER_IP}:9001`,
      'openssl req -x509 -newkey rsa:2048 -nodes -days 365 -keyout tls.key -out tls.crt -subj "/CN=stunner.example.com"',
      'kubectl -n stunner create secret tls tls-secret --key tls.key --cert tls.crt',
      'kubectl apply -f - <<EOF',
      `npm run turncat -- -i -l all:INFO --cds-server-address=127.0.0.1:13478 - k8s://stunner/tls-gateway:tls-listener udp://\${PEER_IP}:9001`,
    ]);
    assert.match(env.PEER_IP ?? '', /^127\.96\.\d+\.\d+$/, 'the ClusterIP of media-plane');
    assert.equal(env.STUNNER_CDS_TOKEN_FILE, join(work, 'cds-token'));
    // The CDS the README's turncat read requires the token: without it, 401.
    assert.equal((await fetch(`http://127.0.0.1:${cdsPort}/api/v1/configs`)).status, 401);
    assert.doesNotMatch(operator!.log(), /forbidden|\b403\b/i);
  });
});
