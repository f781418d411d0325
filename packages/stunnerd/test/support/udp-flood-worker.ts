// Worker thread: floods a UDP port with unauthenticated Allocate requests from many loopback sources
// (127.x.y.z, each its own socket) as fast as the sends complete, for a bounded time, then reports how
// many it sent and how many answers came back. Each request has a fresh transaction id, as a spoofing
// attacker's would.

import { randomFillSync } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { MessageClass, Method, RequestedTransport, StunMessageBuilder, TransportProtocol } from '@stunner/stun';
import { socketDrops } from './udp-socket-drops.ts';

interface FloodJob {
  port: number;
  sources: string[];
  durationMs: number;
  /** Sends in flight per socket. */
  window: number;
  /** Requests per second over all sources; 0 sends as fast as the sends complete. */
  rate: number;
}

const job = workerData as FloodJob;
const template = new StunMessageBuilder(Method.Allocate, MessageClass.Request)
  .add(RequestedTransport, TransportProtocol.UDP)
  .build();
let sent = 0;
let answered = 0;
const deadline = Date.now() + job.durationMs;
const sockets: Socket[] = [];

await Promise.all(
  job.sources.map(
    (source) =>
      new Promise<void>((resolve) => {
        const s = createSocket({ type: 'udp4', sendBufferSize: 1 << 20 });
        s.on('message', () => answered++);
        s.once('error', (err) => {
          throw new Error(`flood source ${source}: ${err.message}`);
        });
        s.bind(0, source, () => {
          s.removeAllListeners('error');
          s.on('error', () => {});
          resolve();
        });
        sockets.push(s);
      }),
  ),
);

const next = (): Buffer => {
  const msg = Buffer.from(template);
  randomFillSync(msg, 8, 12);
  return msg;
};

if (job.rate > 0) {
  // Paced: every 10 ms the sends due by then, round-robin over the sources.
  let i = 0;
  const started = Date.now();
  while (Date.now() < deadline) {
    const due = Math.floor(((Date.now() - started) / 1000) * job.rate);
    for (; sent < due; sent++) sockets[i++ % sockets.length]!.send(next(), job.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 10));
  }
} else {
  await Promise.all(
    sockets.flatMap((s) =>
      Array.from(
        { length: job.window },
        () =>
          new Promise<void>((resolve) => {
            const pump = () => {
              if (Date.now() >= deadline) {
                resolve();
                return;
              }
              s.send(next(), job.port, '127.0.0.1', () => {
                sent++;
                // Every 64th send yields to the event loop so answers are read and the deadline seen.
                if (sent % 64 === 0) setImmediate(pump);
                else pump();
              });
            };
            pump();
          }),
      ),
    ),
  );
}
// Answers still queued are read now that the sending has stopped (until 200 ms pass without one, 3 s
// at most); those the kernel dropped because this thread was busy sending are counted from the
// sockets' drop counters: stunnerd sent them, they are answered too.
for (let last = -1, waited = 0; last !== answered && waited < 3000; waited += 200) {
  last = answered;
  await new Promise((r) => setTimeout(r, 200));
}
const read = answered;
const droppedHere = socketDrops(sockets.map((s) => s.address()));
for (const s of sockets) s.close();
parentPort!.postMessage({ sent, answered: read + droppedHere, read, droppedHere });
