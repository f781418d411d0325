import { execFile } from 'node:child_process';

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
