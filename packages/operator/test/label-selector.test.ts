// The Deployment selector decision an operator makes when it takes over a Deployment another one created.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inSelector, sameForm, sameSelection, selectorPlan } from '../src/render/label-selector.ts';

const RELATED = [
  ['app', 'stunner'],
  ['stunner.l7mp.io/related-gateway-name', 'gw'],
  ['stunner.l7mp.io/related-gateway-namespace', 'ns'],
] as const;
const stunnerForm = inSelector(RELATED);
const labelsForm = { matchLabels: Object.fromEntries(RELATED) };

test("STUNner's form: one In requirement per label, in order", () => {
  assert.deepEqual(stunnerForm, {
    matchExpressions: [
      { key: 'app', operator: 'In', values: ['stunner'] },
      { key: 'stunner.l7mp.io/related-gateway-name', operator: 'In', values: ['gw'] },
      { key: 'stunner.l7mp.io/related-gateway-namespace', operator: 'In', values: ['ns'] },
    ],
  });
});

test('matchLabels and single-value In select the same pods, but are written differently', () => {
  assert.ok(sameSelection(stunnerForm, labelsForm));
  assert.ok(!sameForm(stunnerForm, labelsForm));
  assert.ok(sameForm(labelsForm, { matchLabels: Object.fromEntries([...RELATED].reverse()) }));
});

test('the plan: apply when identical, keep the other form when it selects the same pods, re-create otherwise', () => {
  assert.equal(selectorPlan(structuredClone(stunnerForm), stunnerForm), 'apply');
  assert.equal(selectorPlan(labelsForm, stunnerForm), 'keep');
  // A selector missing the Gateway labels (or naming another Gateway) selects other pods.
  assert.equal(selectorPlan({ matchLabels: { app: 'stunner' } }, stunnerForm), 'recreate');
  assert.equal(
    selectorPlan(
      { matchLabels: { ...Object.fromEntries(RELATED), 'stunner.l7mp.io/related-gateway-name': 'x' } },
      stunnerForm,
    ),
    'recreate',
  );
  assert.equal(selectorPlan(undefined, stunnerForm), 'recreate');
  // Requirement order inside matchExpressions is part of the form, not of the selection.
  const reordered = { matchExpressions: [...stunnerForm.matchExpressions!].reverse() };
  assert.equal(selectorPlan(reordered, stunnerForm), 'keep');
});
