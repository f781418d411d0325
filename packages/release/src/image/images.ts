// The images `npm run image` assembles and deploy/docker/Dockerfile builds: no base image, two layers.
// The runtime layer (the SEA binary, the shared libraries it loads, /etc/passwd with the non-root
// user) is the same in every image, so registries and nodes store it once; the program layer holds
// the program's bundles and its command, a symlink to the SEA binary.
import { readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { TreeEntry } from './file-tree.ts';
import type { ImageConfig } from './oci-layout.ts';
import { BUNDLE_DIR_FROM_BIN } from './sea-binary.ts';
import type { SharedLibrary } from './shared-libraries.ts';

export const BIN_DIR = '/usr/local/bin';
export const SEA_NAME = 'stunner-node';
/** distroless's `nonroot`: a uid no host account usually has. */
export const NONROOT_UID = 65532;

export interface ImageSpec {
  /** Image name under the repository, e.g. `stunnerd`. */
  readonly image: string;
  /** The program (bundle under dist/) the image runs. */
  readonly program: string;
  /** Further names the program answers to on PATH (upstream's binary names). */
  readonly aliases: readonly string[];
  /** Default arguments (CMD); Kubernetes `args` replace them. */
  readonly cmd: readonly string[];
  /** Node/V8 flags the image sets in NODE_OPTIONS (a Pod's env can override them). */
  readonly nodeOptions: readonly string[];
  readonly description: string;
}

export const IMAGES: readonly ImageSpec[] = [
  {
    image: 'stunnerd',
    program: 'stunnerd',
    aliases: [],
    // STUNner's Dataplane runs `stunnerd -w --udp-thread-num=16` (stunner-v1.md §2.6).
    cmd: ['-w'],
    // A 1 MiB young generation instead of V8's growth to 8–16 MiB: ~8 MiB less RSS idle and ~12 MiB
    // less while relaying, at no measurable CPU per packet (the relay path allocates little); see
    // `npm run bench -- memory`.
    nodeOptions: ['--max-semi-space-size=1'],
    description: 'stunnerd, the STUNner dataplane (TURN server)',
  },
  {
    image: 'stunner-gateway-operator',
    program: 'stunner-gateway-operator',
    // Upstream's operator image runs `/manager`: that name works too (/manager and on PATH).
    aliases: ['manager'],
    cmd: [],
    nodeOptions: [],
    description: 'the STUNner Gateway API operator',
  },
  {
    image: 'stunner-auth-server',
    program: 'authd',
    aliases: [],
    cmd: [],
    nodeOptions: [],
    description: 'authd, the STUNner auth service (TURN credentials and ICE configs)',
  },
];

/** /etc files that name the users: root and the non-root user the images run as. */
function etcFiles(): TreeEntry[] {
  const passwd = `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${NONROOT_UID}:${NONROOT_UID}:nonroot:/home/nonroot:/sbin/nologin\n`;
  const group = `root:x:0:\nnonroot:x:${NONROOT_UID}:\n`;
  return [
    { type: 'file', path: 'etc/passwd', mode: 0o644, source: Buffer.from(passwd) },
    { type: 'file', path: 'etc/group', mode: 0o644, source: Buffer.from(group) },
    // glibc's resolver reads it for getaddrinfo (the CDS and API server names).
    { type: 'file', path: 'etc/nsswitch.conf', mode: 0o644, source: Buffer.from('hosts: files dns\n') },
  ];
}

/** The layer every image shares. */
export function runtimeLayer(seaBinary: Buffer, libraries: readonly SharedLibrary[]): TreeEntry[] {
  return [
    { type: 'file', path: `${BIN_DIR}/${SEA_NAME}`, mode: 0o755, source: seaBinary },
    ...libraries.map((l): TreeEntry => ({ type: 'file', path: l.path, mode: 0o755, source: l.source })),
    ...etcFiles(),
    { type: 'directory', path: 'home/nonroot', mode: 0o700, uid: NONROOT_UID },
    // Writable scratch for whoever mounts nothing there; with a read-only root filesystem mount an emptyDir.
    { type: 'directory', path: 'tmp', mode: 0o1777 },
  ];
}

/** The layer of one program: its bundles (from `bundleDir`) and its names on PATH. */
export function programLayer(spec: ImageSpec, bundleDir: string): TreeEntry[] {
  const libDir = join(BIN_DIR, BUNDLE_DIR_FROM_BIN);
  const bundles = readdirSync(bundleDir).filter((f) => f.endsWith('.mjs'));
  if (!bundles.includes(`${spec.program}.mjs`)) {
    throw new Error(`RELEASE_ERR_NO_BUNDLE: ${bundleDir} has no ${spec.program}.mjs; run npm run build`);
  }
  // Native packages shipped beside the bundles (see NATIVE_PACKAGES in build/bundle.ts).
  const nativeFiles = readdirSync(bundleDir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && relative(bundleDir, d.parentPath).split('/')[0] === 'node_modules')
    .map((d) => relative(bundleDir, join(d.parentPath, d.name)))
    .sort();
  return [
    ...[...bundles, ...nativeFiles].map(
      (f): TreeEntry => ({
        type: 'file',
        path: `${libDir}/${spec.program}/${f}`,
        mode: f.endsWith('.node') ? 0o755 : 0o644,
        source: join(bundleDir, f),
      }),
    ),
    { type: 'symlink', path: `${BIN_DIR}/${spec.program}`, target: SEA_NAME },
    ...spec.aliases.flatMap((a): TreeEntry[] => [
      { type: 'symlink', path: `${BIN_DIR}/${a}`, target: SEA_NAME },
      { type: 'symlink', path: a, target: `${BIN_DIR.slice(1)}/${SEA_NAME}` },
      { type: 'symlink', path: `${libDir}/${a}`, target: spec.program },
      { type: 'symlink', path: `${libDir}/${spec.program}/${a}.mjs`, target: `${spec.program}.mjs` },
    ]),
  ];
}

/** The image config: non-root, the program as entrypoint, the default args as CMD. */
export function imageConfig(spec: ImageSpec, version: string): ImageConfig {
  return {
    user: `${NONROOT_UID}:${NONROOT_UID}`,
    entrypoint: [`${BIN_DIR}/${spec.program}`],
    cmd: spec.cmd,
    env: [`PATH=${BIN_DIR}`, ...(spec.nodeOptions.length > 0 ? [`NODE_OPTIONS=${spec.nodeOptions.join(' ')}`] : [])],
    workingDir: '/',
    labels: {
      'org.opencontainers.image.title': spec.image,
      'org.opencontainers.image.description': spec.description,
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.licenses': 'MIT',
    },
  };
}

export function imageNamed(name: string): ImageSpec {
  const spec = IMAGES.find((i) => i.image === name || i.program === name);
  if (!spec)
    throw new Error(`RELEASE_ERR_UNKNOWN_IMAGE: no image ${name}; use one of ${IMAGES.map((i) => i.image).join(', ')}`);
  return spec;
}

/** The image's reference, e.g. `ghcr.io/stunner-ts/stunnerd:0.1.0`. */
export function imageReference(repository: string, spec: ImageSpec, tag: string): string {
  return `${repository.replace(/\/+$/, '')}/${basename(spec.image)}:${tag}`;
}
