#!/usr/bin/env node
// Dependency-free launcher run by whatever `node` npm finds (the system Node 20 on our machines).
// It installs the pinned Node (from the npm registry package node-linux-<arch>) and the project's
// dependencies on first use, then runs the given command with the pinned Node first on PATH.
// Usage: node scripts/bootstrap.mjs <command> [args...]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = readFileSync(join(root, '.node-version'), 'utf8').trim();

function fail(message) {
  process.stderr.write(`bootstrap: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.error) fail(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

function nodeVersionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

/** Returns the bin directory of the pinned Node, installing it into .tools/ when missing. */
function ensureNode() {
  if (nodeVersionOf(process.execPath) === pinned) return dirname(process.execPath);
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    const [major, minor] = process.versions.node.split('.').map(Number);
    if (major > 22 || (major === 22 && minor >= 12)) return dirname(process.execPath);
    fail(`Node ${pinned} is installed automatically only on linux x64/arm64; install Node >= 22.12 yourself`);
  }
  const pkg = `node-linux-${process.arch}`;
  const dir = join(root, '.tools', `node-${pinned}`);
  const bin = join(dir, 'node_modules', pkg, 'bin');
  if (nodeVersionOf(join(bin, 'node')) === pinned) return bin;
  process.stderr.write(`bootstrap: installing Node ${pinned} (${pkg}) into .tools/\n`);
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  run('npm', [
    'install',
    '--prefix',
    tmp,
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    `${pkg}@${pinned}`,
  ]);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  if (nodeVersionOf(join(bin, 'node')) !== pinned) fail(`the installed ${pkg}@${pinned} does not run`);
  return bin;
}

/** Hash of everything that decides the installed dependency tree. */
function manifestHash() {
  const h = createHash('sha256');
  const files = ['package.json', 'package-lock.json'];
  const pkgs = join(root, 'packages');
  if (existsSync(pkgs)) {
    for (const name of readdirSync(pkgs).sort()) files.push(join('packages', name, 'package.json'));
  }
  for (const f of files) {
    const p = join(root, f);
    h.update(f).update(existsSync(p) ? readFileSync(p) : '');
  }
  return h.digest('hex');
}

/**
 * Runs `fn` holding .tools/install.lock, so that two commands started together on a fresh clone do not
 * install at once (`npm ci` removes node_modules first). A lock whose holder is gone is taken over.
 */
function withInstallLock(fn) {
  const lock = join(root, '.tools', 'install.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let holder;
    try {
      holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    } catch {}
    if (holder && !isAlive(holder)) rmSync(lock, { recursive: true, force: true });
    else if (Date.now() > deadline) fail(`another install holds ${lock}; remove it if no npm is running`);
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function ensureDependencies(env) {
  const stamp = join(root, 'node_modules', '.bootstrap-stamp');
  const installed = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === manifestHash();
  if (installed()) return;
  withInstallLock(() => {
    if (installed()) return;
    process.stderr.write('bootstrap: installing dependencies (npm ci)\n');
    // `npm ci` installs exactly the committed lock and never writes it, so a fresh clone stays clean.
    // The lock holds every platform's optional packages (biome's binaries); `npm install` keeps them.
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
    });
    if (r.error) fail(`cannot run npm: ${r.error.message}`);
    if (r.status !== 0) {
      fail(
        `npm ci exited with ${r.status ?? r.signal}. If you changed a package.json, update the lock with ` +
          '`npm install --no-audit --no-fund` and commit package-lock.json with it.',
      );
    }
    writeFileSync(stamp, manifestHash());
  });
}

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) fail('usage: node scripts/bootstrap.mjs <command> [args...]');

const nodeBin = ensureNode();
const env = {
  ...process.env,
  PATH: [nodeBin, join(root, 'node_modules', '.bin'), process.env.PATH].join(':'),
};
delete env.npm_config_nodedir;
ensureDependencies(env);

const child = spawn(cmd, args, { cwd: process.cwd(), stdio: 'inherit', env });
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const sig of forwarded) process.on(sig, () => child.kill(sig));
child.on('error', (err) => fail(`cannot run ${cmd}: ${err.message}`));
child.on('exit', (code, signal) => {
  if (code !== null) process.exit(code);
  // Die of the same signal so callers see what ended the command.
  for (const sig of forwarded) process.removeAllListeners(sig);
  process.kill(process.pid, signal ?? 'SIGTERM');
});
