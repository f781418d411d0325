// "Hello STUNner" through a TURN server with the bundled programs, as the README's quickstart does:
// the udp-greeter bundle as the peer, the turncat bundle as the client, both run by the test's Node
// from a directory with no node_modules.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, watchProcess } from '@stunner/testing';

export interface TurnServer {
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

/** Starts the greeter and turncat from `distDir`, greets once, and stops both. */
export async function helloThroughTurn(distDir: string, server: TurnServer): Promise<void> {
  const greeterPort = await freePort();
  const greeter = watchProcess(process.execPath, [
    join(distDir, 'udp-greeter', 'udp-greeter.mjs'),
    '--address',
    '127.0.0.1',
    '--port',
    String(greeterPort),
  ]);
  try {
    await greeter.waitFor(/udp-greeter listening/);
    const turncat = watchProcess(process.execPath, [
      join(distDir, 'turncat', 'turncat.mjs'),
      '-',
      `turn://${server.username}:${server.password}@127.0.0.1:${server.port}?transport=udp`,
      `udp://127.0.0.1:${greeterPort}`,
    ]);
    try {
      turncat.child.stdin!.write('Hello STUNner\n');
      await turncat.waitFor(/Greetings from STUNner!\n/, { timeoutMs: 15_000 });
      assert.equal(turncat.stdout(), 'Greetings from STUNner!\n');
    } finally {
      await turncat.stop();
    }
  } finally {
    await greeter.stop();
  }
}

/** stunnerd's per-thread packet counters of the listener (`--udp-thread-num` > 1), from /metrics. */
export async function threadPackets(metricsPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const threads = new Map<string, number>();
  for (const m of text.matchAll(/^stunner_listener_thread_packets_total\{[^}]*thread="(\d+)"[^}]*\} (\d+)$/gm)) {
    threads.set(m[1]!, (threads.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return threads;
}
