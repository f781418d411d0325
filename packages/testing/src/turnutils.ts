import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';

/** Two consecutive free UDP ports on loopback: turnutils_peer listens on port and port+1 (RTCP). */
export async function freeUdpPortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const a = createSocket('udp4');
    await new Promise<void>((resolve) => a.bind(0, '127.0.0.1', resolve));
    const port = a.address().port;
    const b = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      b.once('error', () => resolve(false));
      b.bind(port + 1, '127.0.0.1', () => resolve(true));
    });
    a.close();
    b.close();
    if (ok && port < 65535) return port;
  }
  throw new Error('no free UDP port pair on 127.0.0.1');
}

export interface UclientResult {
  sent: number;
  received: number;
  lost: number;
  output: string;
}

/**
 * Runs coturn's `turnutils_uclient` against 127.0.0.1 (killed after `timeoutMs`) and reads its
 * totals; rejects with the tail of its output when it prints none.
 */
export function runUclient(args: string[], timeoutMs = 45_000): Promise<UclientResult> {
  return new Promise((resolve, reject) => {
    execFile('turnutils_uclient', [...args, '127.0.0.1'], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\n/.exec(output);
      const lost = /Total lost packets (\d+)/.exec(output);
      if (!totals || !lost) {
        reject(new Error(`turnutils_uclient ${args.join(' ')} failed (${err?.message}):\n${output.slice(-2000)}`));
        return;
      }
      resolve({ sent: Number(totals[1]), received: Number(totals[2]), lost: Number(lost[1]), output });
    });
  });
}
