// The offload program and its maps as the kernel holds them, read with tc and bpftool (not through the
// daemon), for the namespace tests.
import { execFileSync, spawnSync } from 'node:child_process';
import type { Topology } from '../../../offload/test/netns.ts';

/** The program attached to the gateway's client-side interface, and its maps (ids from tc and bpftool). */
export function ourBpf(topo: Topology): { prog: number; maps: Record<string, number> } | undefined {
  const filters = execFileSync(
    'ip',
    ['netns', 'exec', topo.gateway, 'tc', 'filter', 'show', 'dev', 'gw-c', 'ingress'],
    {
      encoding: 'utf8',
    },
  );
  const id = /turn_offload.* id (\d+)/.exec(filters)?.[1];
  if (id === undefined) return undefined;
  const prog = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'id', id], { encoding: 'utf8' })) as {
    map_ids: number[];
  };
  const maps: Record<string, number> = {};
  for (const m of prog.map_ids) {
    const info = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'id', String(m)], { encoding: 'utf8' })) as {
      name: string;
    };
    maps[info.name] = m;
  }
  return { prog: Number(id), maps };
}

/** Whether the kernel still holds a program or map of this id. */
export function bpfExists(kind: 'prog' | 'map', id: number): boolean {
  return spawnSync('bpftool', [kind, 'show', 'id', String(id)], { stdio: 'ignore' }).status === 0;
}

/** The entries of a map, read from the kernel by bpftool: key and value bytes. */
export function mapDump(id: number): Array<{ key: number[]; value: number[] }> {
  const out = execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(id)], { encoding: 'utf8' });
  const hex = (a: string[]) => a.map((b) => Number.parseInt(b, 16));
  return (JSON.parse(out) as Array<{ key: string[]; value: string[] }>).map((e) => ({
    key: hex(e.key),
    value: hex(e.value),
  }));
}

/** Entries in a map, read from the kernel by bpftool (not through the daemon). */
export function mapEntries(id: number): number {
  return mapDump(id).length;
}
