// Deployment selectors in the two forms they are found in: STUNner's operator writes `matchExpressions`
// (`app In [stunner]` and the related-gateway labels, reference/stunner-v1.md §2.6), earlier versions of
// this operator wrote `matchLabels` with the same keys. A selector is immutable, so an operator taking over
// a Deployment needs to know whether the one it finds selects the same pods as the one it renders.
export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface DeploymentSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** The selector STUNner's operator renders for a Gateway's dataplane, in its order (§2.6). */
export function inSelector(labels: readonly (readonly [string, string])[]): DeploymentSelector {
  return { matchExpressions: labels.map(([key, value]) => ({ key, operator: 'In', values: [value] })) };
}

/** A selector as a sorted list of requirements: `matchLabels` `k: v` is the requirement `k In [v]`. */
function requirements(sel: DeploymentSelector | undefined): string[] {
  const out = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k} In ${v}`);
  for (const e of sel?.matchExpressions ?? []) out.push(`${e.key} ${e.operator} ${[...(e.values ?? [])].sort()}`);
  return [...new Set(out)].sort();
}

/** Both select exactly the same pods (whatever form each is written in). */
export function sameSelection(a: DeploymentSelector | undefined, b: DeploymentSelector | undefined): boolean {
  const ra = requirements(a);
  const rb = requirements(b);
  return ra.length === rb.length && ra.every((r, i) => r === rb[i]);
}

/** Written identically: the apiserver will see no change of the immutable field. */
export function sameForm(a: DeploymentSelector | undefined, b: DeploymentSelector | undefined): boolean {
  const norm = (s: DeploymentSelector | undefined) =>
    JSON.stringify([
      Object.entries(s?.matchLabels ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
      (s?.matchExpressions ?? []).map((e) => [e.key, e.operator, e.values ?? []]),
    ]);
  return norm(a) === norm(b);
}

/**
 * What an operator taking over a Deployment does about its immutable selector:
 * - `apply`: the selector is already written as rendered;
 * - `keep`: it selects the same pods in the other form; applying it unchanged avoids a re-create (and with
 *   it any chance of touching running pods), so the existing form is applied back;
 * - `recreate`: it selects other pods; no update can fix that, only a new Deployment.
 */
export type SelectorPlan = 'apply' | 'keep' | 'recreate';

export function selectorPlan(current: DeploymentSelector | undefined, rendered: DeploymentSelector): SelectorPlan {
  if (sameForm(current, rendered)) return 'apply';
  return sameSelection(current, rendered) ? 'keep' : 'recreate';
}
