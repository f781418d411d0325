// The upstream Gateway API CRDs (gateway.networking.k8s.io), read at test setup from the Go module
// sigs.k8s.io/gateway-api in the Go module cache (`go mod download` fetches it from the module proxy once
// per machine), never copied into this repository. What a cluster has after `kubectl apply -f
// standard-install.yaml` plus the experimental UDPRoute: the CEL rules, enums and required fields of the
// real CRDs validate every manifest our tests and examples apply.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_API_GROUP } from '@stunner/api';
import { parseAllDocuments } from 'yaml';

/** v1.4.x is the release STUNner's chart ships (reference/stunner-v1.md §5); GATEWAY_API_VERSION overrides. */
export const GATEWAY_API_VERSION = process.env.GATEWAY_API_VERSION ?? 'v1.4.1';

export const GATEWAY_API_MODULE = 'sigs.k8s.io/gateway-api';

export class GatewayApiCrdsError extends Error {
  readonly code = 'STUNNER_ERR_GATEWAY_API_CRDS';
}

function goBinary(): string {
  const onPath = spawnSync('go', ['version'], { stdio: 'ignore' });
  if (onPath.status === 0) return 'go';
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new GatewayApiCrdsError(
    'Go toolchain not found: the Gateway API CRDs come from the Go module cache; install Go >= 1.24 or put it on PATH',
  );
}

const moduleDirs = new Map<string, string>();

/** A Go module's directory in the Go module cache, downloading it from the module proxy when missing. */
export function goModuleDir(module: string, version: string): string {
  const key = `${module}@${version}`;
  const cached = moduleDirs.get(key);
  if (cached) return cached;
  const r = spawnSync(goBinary(), ['mod', 'download', '-json', key], {
    encoding: 'utf8',
    // Outside any module, so the repository's (absent) go.mod plays no part.
    cwd: '/',
    env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' },
  });
  let dir: string | undefined;
  try {
    dir = (JSON.parse(r.stdout) as { Dir?: string; Error?: string }).Dir;
  } catch {
    dir = undefined;
  }
  if (r.status !== 0 || !dir || !existsSync(dir)) {
    throw new GatewayApiCrdsError(
      `go mod download ${key} failed (exit ${r.status ?? r.signal}): ${(r.stdout + r.stderr).slice(0, 500)}; check GOPROXY and the network`,
    );
  }
  moduleDirs.set(key, dir);
  return dir;
}

export function gatewayApiModuleDir(version = GATEWAY_API_VERSION): string {
  return goModuleDir(GATEWAY_API_MODULE, version);
}

/** Every CustomResourceDefinition in a YAML file (upstream files may hold several documents). */
export function readCrdFile(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((o): o is Record<string, unknown> => o?.kind === 'CustomResourceDefinition');
}

/**
 * The standard channel's CRDs of group gateway.networking.k8s.io plus the experimental channel's UDPRoute
 * (served at v1alpha2 only), as upstream ships them.
 */
export function gatewayApiCrds(version = GATEWAY_API_VERSION): Record<string, unknown>[] {
  const dir = join(gatewayApiModuleDir(version), 'config', 'crd');
  const prefix = `${GATEWAY_API_GROUP}_`;
  const standard = readdirSync(join(dir, 'standard'))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => readCrdFile(join(dir, 'standard', f)));
  const udpRoute = readCrdFile(join(dir, 'experimental', `${prefix}udproutes.yaml`));
  if (
    udpRoute.length !== 1 ||
    !standard.some((c) => (c.spec as { names: { kind: string } }).names.kind === 'Gateway')
  ) {
    throw new GatewayApiCrdsError(`${dir}: no Gateway or UDPRoute CRD found; is ${version} a Gateway API release?`);
  }
  return [...standard, ...udpRoute];
}
