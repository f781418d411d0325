// Round-trip times and loss of one protocol's packet exchange.

export interface RttSummary {
  sent: number;
  received: number;
  /** Percent of sent packets whose echo never came back within the grace period. */
  lossPercent: number;
  rttMs: { min: number; p50: number; p99: number; max: number } | undefined;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeRtts(sent: number, rtts: readonly number[]): RttSummary {
  const sorted = [...rtts].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    sent,
    received: sorted.length,
    lossPercent: sent === 0 ? 100 : round(((sent - sorted.length) / sent) * 100),
    rttMs:
      sorted.length === 0
        ? undefined
        : {
            min: round(sorted[0]!),
            p50: round(percentile(sorted, 50)),
            p99: round(percentile(sorted, 99)),
            max: round(sorted.at(-1)!),
          },
  };
}
