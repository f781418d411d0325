// The programs outside Node that tests drive as real peers (DESIGN.md §5), and how a test is seen to
// use one. scripts/test-peers.ts reads this list: a test file that uses a peer is left out of
// `npm run test:unit`, and `npm test` installs the Debian packages named here. test/peers.test.ts fails
// when a harness module here runs a program that no entry declares, so the list cannot fall behind.

export interface ExternalPeer {
  /** The name `scripts/run-tests.ts --list` prints and `--peer=<name>` selects (`npm run test:k8s`). */
  name: string;
  /** Programs a test or harness may spawn by name (the first one proves the peer is installed). */
  commands: readonly string[];
  /** Modules under packages/testing/src whose exports start or run the peer (and, through them, every module that imports them). */
  harnessModules: readonly string[];
  /** npm packages whose import means the test drives the peer. */
  packages?: readonly string[];
  /** Debian package that provides the commands; without one the harness builds the peer itself. */
  debianPackage?: string;
}

export const EXTERNAL_PEERS: readonly ExternalPeer[] = [
  { name: 'coturn', commands: ['turnserver'], harnessModules: ['coturn.ts'], debianPackage: 'coturn' },
  {
    name: 'turnutils',
    commands: ['turnutils_stunclient', 'turnutils_uclient', 'turnutils_peer'],
    harnessModules: ['turnutils.ts'],
    debianPackage: 'coturn',
  },
  {
    name: 'openssl',
    commands: ['openssl'],
    harnessModules: ['self-signed-cert.ts', 'kube/pki.ts'],
    debianPackage: 'openssl',
  },
  // Headless browser for the WebRTC and dashboard tests, driven by playwright-core (never its own download).
  {
    name: 'chromium',
    commands: ['chromium'],
    harnessModules: ['chromium.ts'],
    packages: ['playwright-core'],
    debianPackage: 'chromium',
  },
  // The kernel offload: its program is compiled with clang and read back with bpftool; the tests, as
  // root, install clang, libbpf-dev, bpftool and ethtool themselves (@stunner/offload ensureToolchain).
  { name: 'ebpf', commands: ['clang', 'bpftool'], harnessModules: [], packages: ['@stunner/offload'] },
  // OCI tooling that checks and unpacks the images `npm run image` writes (packages/release).
  { name: 'skopeo', commands: ['skopeo'], harnessModules: [], debianPackage: 'skopeo' },
  { name: 'umoci', commands: ['umoci'], harnessModules: [], debianPackage: 'umoci' },
  // A process as PID 1 of its own PID and mount namespaces (root; util-linux's unshare), as a container runs it.
  { name: 'pid-namespace', commands: ['unshare'], harnessModules: ['pid1-process.ts'], debianPackage: 'util-linux' },
  // kube-apiserver and etcd, built once with Go by kube/build-kube-apiserver.sh.
  {
    name: 'kube-apiserver',
    commands: ['kube-apiserver', 'etcd', 'go'],
    // gateway-api-crds.ts reads the Gateway API CRDs from the Go module cache (`go mod download`).
    harnessModules: ['kube/kube-binaries.ts', 'kube/control-plane.ts', 'kube/gateway-api-crds.ts'],
  },
  // The helm CLI, built once with Go from the module proxy by kube/build-helm.sh (the chart tests).
  { name: 'helm', commands: ['helm'], harnessModules: ['kube/helm-binary.ts'] },
];
