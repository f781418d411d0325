import koffi from 'koffi';
import { OffloadError } from './errors.ts';

/**
 * The libbpf calls the loader and the map control need, bound through koffi (libbpf.so.1, Debian
 * `libbpf1`). Map keys and values, and libbpf's option structs, are passed as Buffers, so an update
 * converts no JavaScript object beyond the call itself.
 */
export interface Libbpf {
  openFile(path: string): unknown;
  load(obj: unknown): number;
  close(obj: unknown): void;
  programFd(obj: unknown, name: string): number;
  mapFd(obj: unknown, name: string): number;
  mapUpdate(fd: number, key: Buffer, value: Buffer, flags: number): number;
  mapDelete(fd: number, key: Buffer): number;
  mapLookup(fd: number, key: Buffer, value: Buffer): number;
  /** `key` null: the first key. Returns -ENOENT after the last. */
  mapNextKey(fd: number, key: Buffer | null, next: Buffer): number;
  tcHookCreate(hook: Buffer): number;
  tcHookDestroy(hook: Buffer): number;
  tcAttach(hook: Buffer, opts: Buffer): number;
  tcDetach(hook: Buffer, opts: Buffer): number;
  tcQuery(hook: Buffer, opts: Buffer): number;
}

/** `struct bpf_tc_hook` and `struct bpf_tc_opts` (libbpf.h), 64-bit layout. */
export const TC_HOOK_SIZE = 24;
export const TC_OPTS_SIZE = 32;
export const BPF_TC_INGRESS = 1;
export const BPF_TC_EGRESS = 2;
export const BPF_ANY = 0;

let bound: Libbpf | undefined;

/** Binds libbpf once per thread; throws OFFLOAD_ERR_LIBBPF when the library is missing. */
export function libbpf(): Libbpf {
  if (bound) return bound;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load('libbpf.so.1');
  } catch (err) {
    throw new OffloadError(
      'OFFLOAD_ERR_LIBBPF',
      `cannot load libbpf.so.1 (install the Debian package libbpf1): ${(err as Error).message}`,
    );
  }
  koffi.opaque('bpf_object');
  koffi.opaque('bpf_program');
  koffi.opaque('bpf_map');
  // libbpf prints its own diagnostics (verifier logs among them) through this callback; silenced so
  // that a failed load costs one warning line, the reason being in the returned error code.
  // STUNNER_OFFLOAD_DEBUG=1 keeps libbpf's default printer (stderr).
  const setPrint = lib.func('void *libbpf_set_print(void *fn)');
  if (process.env.STUNNER_OFFLOAD_DEBUG === undefined) setPrint(null);
  const openFile = lib.func('bpf_object *bpf_object__open_file(const char *path, void *opts)');
  const load = lib.func('int bpf_object__load(bpf_object *obj)');
  const close = lib.func('void bpf_object__close(bpf_object *obj)');
  const findProg = lib.func('bpf_program *bpf_object__find_program_by_name(bpf_object *obj, const char *name)');
  const progFd = lib.func('int bpf_program__fd(bpf_program *prog)');
  const findMap = lib.func('bpf_map *bpf_object__find_map_by_name(bpf_object *obj, const char *name)');
  const mapFd = lib.func('int bpf_map__fd(bpf_map *map)');
  const update = lib.func('int bpf_map_update_elem(int fd, void *key, void *value, uint64_t flags)');
  const del = lib.func('int bpf_map_delete_elem(int fd, void *key)');
  const lookup = lib.func('int bpf_map_lookup_elem(int fd, void *key, void *value)');
  const nextKey = lib.func('int bpf_map_get_next_key(int fd, void *key, void *next_key)');
  const hookCreate = lib.func('int bpf_tc_hook_create(void *hook)');
  const hookDestroy = lib.func('int bpf_tc_hook_destroy(void *hook)');
  const attach = lib.func('int bpf_tc_attach(void *hook, void *opts)');
  const detach = lib.func('int bpf_tc_detach(void *hook, void *opts)');
  const query = lib.func('int bpf_tc_query(void *hook, void *opts)');
  const errno = lib.func('long libbpf_get_error(void *ptr)');
  bound = {
    openFile: (path) => {
      const obj = openFile(path, null);
      if (obj === null || Number(errno(obj)) !== 0) return null;
      return obj;
    },
    load: (obj) => load(obj) as number,
    close: (obj) => close(obj),
    programFd: (obj, name) => {
      const p = findProg(obj, name);
      return p === null ? -2 : (progFd(p) as number);
    },
    mapFd: (obj, name) => {
      const m = findMap(obj, name);
      return m === null ? -2 : (mapFd(m) as number);
    },
    mapUpdate: (fd, key, value, flags) => update(fd, key, value, flags) as number,
    mapDelete: (fd, key) => del(fd, key) as number,
    mapLookup: (fd, key, value) => lookup(fd, key, value) as number,
    mapNextKey: (fd, key, next) => nextKey(fd, key, next) as number,
    tcHookCreate: (hook) => hookCreate(hook) as number,
    tcHookDestroy: (hook) => hookDestroy(hook) as number,
    tcAttach: (hook, opts) => attach(hook, opts) as number,
    tcDetach: (hook, opts) => detach(hook, opts) as number,
    tcQuery: (hook, opts) => query(hook, opts) as number,
  };
  return bound;
}
