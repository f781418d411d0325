// metav1.Condition construction. lastTransitionTime is kept from the previous condition of the same type
// when its status did not change (Gateway API semantics), so re-renders of an unchanged world are identical.
import type { Condition } from '@stunner/api';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** metav1.Time has second precision. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function makeConditions(
  inputs: ConditionInput[],
  generation: number | undefined,
  previous: readonly Condition[] | undefined,
  now: () => Date,
): Condition[] {
  return inputs.map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : timestamp(now());
    return {
      type: c.type,
      status: c.status,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime,
      reason: c.reason,
      message: c.message,
    };
  });
}
