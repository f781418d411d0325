// icetest's result per listener and its `-o summary` table.
import type { IceProtocol } from './ice-targets.ts';
import type { RttSummary } from './rtt-stats.ts';

export interface ProtocolResult extends Partial<RttSummary> {
  protocol: IceProtocol;
  listener: string;
  url: string;
  /** ok: connected and loss within --max-loss; failed; skipped: cannot be tested here (DTLS). */
  result: 'ok' | 'failed' | 'skipped';
  connectMs?: number;
  error?: string;
}

export interface IcetestReport {
  packetRate: number;
  durationSeconds: number;
  results: ProtocolResult[];
}

function cell(v: number | undefined, unit: string): string {
  return v === undefined || Number.isNaN(v) ? '-' : `${v}${unit}`;
}

export function icetestSummary(r: IcetestReport): string {
  const rows = [['PROTOCOL', 'LISTENER', 'CONNECT', 'SENT', 'RECEIVED', 'LOSS', 'RTT p50', 'RTT p99', 'RESULT']];
  for (const x of r.results) {
    rows.push([
      x.protocol.toUpperCase(),
      x.listener,
      cell(x.connectMs, ' ms'),
      cell(x.sent, ''),
      cell(x.received, ''),
      cell(x.lossPercent, '%'),
      cell(x.rttMs?.p50, ' ms'),
      cell(x.rttMs?.p99, ' ms'),
      x.result === 'ok' ? 'ok' : `${x.result}${x.error ? `: ${x.error}` : ''}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
  const rate = r.packetRate === 0 ? 'flood' : `${r.packetRate} packets/s`;
  return `ICE test: ${rate} for ${r.durationSeconds} s per listener, relay only\n${lines.join('\n')}\n`;
}
