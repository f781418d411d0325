// The examples of docs/reference.md, rendered with the operator's renderer: fenced blocks tagged
//   ```yaml context            what every example assumes (GatewayClass, GatewayConfig, backends, ...)
//   ```yaml example <id>       manifests of one example (objects of the context with the same kind,
//                              namespace and name are replaced by the example's)
//   ```json rendered <id> <what>   part of what the renderer makes of it for the example's first Gateway
//                              (<what>: config, service or deployment); every field shown must match.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONTROLLER_NAME, DEFAULT_LABEL_FILTER } from '@stunner/api';
import { type RenderResult, render, snapshotFromManifests } from '@stunner/operator';
import { parseAllDocuments } from 'yaml';
import type { KubeManifest } from './helm.ts';
import { repoRoot } from './repo-root.ts';

export const REFERENCE_PATH = join(repoRoot, 'docs/reference.md');

export interface DocBlock {
  lang: string;
  tags: string[];
  text: string;
  line: number;
}

export function docBlocks(markdown: string): DocBlock[] {
  const out: DocBlock[] = [];
  for (const m of markdown.matchAll(/^```(\w+)([^\n]*)\n([\s\S]*?)^```\s*$/gm)) {
    out.push({
      lang: m[1]!,
      tags: m[2]!.trim().split(/\s+/).filter(Boolean),
      text: m[3]!,
      line: markdown.slice(0, m.index).split('\n').length,
    });
  }
  return out;
}

export interface ReferenceExample {
  id: string;
  line: number;
  objects: KubeManifest[];
  rendered: { what: 'config' | 'service' | 'deployment'; expected: unknown; line: number }[];
}

const parseYaml = (text: string): KubeManifest[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubeManifest | null)
    .filter((o): o is KubeManifest => o !== null);

export function referenceExamples(markdown = readFileSync(REFERENCE_PATH, 'utf8')): {
  context: KubeManifest[];
  examples: ReferenceExample[];
} {
  const blocks = docBlocks(markdown);
  const ctx = blocks.filter((b) => b.lang === 'yaml' && b.tags[0] === 'context');
  if (ctx.length !== 1) throw new Error(`docs/reference.md: want one \`\`\`yaml context block, found ${ctx.length}`);
  // `rendered context <what>` shows what the context alone renders to.
  const examples = new Map<string, ReferenceExample>([
    ['context', { id: 'context', line: ctx[0]!.line, objects: [], rendered: [] }],
  ]);
  for (const b of blocks) {
    if (b.lang === 'yaml' && b.tags[0] === 'example') {
      const id = b.tags[1];
      if (!id || examples.has(id)) throw new Error(`docs/reference.md:${b.line}: example needs a unique id`);
      examples.set(id, { id, line: b.line, objects: parseYaml(b.text), rendered: [] });
    }
    if (b.lang === 'json' && b.tags[0] === 'rendered') {
      const [, id, what] = b.tags;
      const ex = examples.get(id ?? '');
      if (!ex || !['config', 'service', 'deployment'].includes(what ?? '')) {
        throw new Error(
          `docs/reference.md:${b.line}: rendered block needs a preceding example id and config|service|deployment`,
        );
      }
      ex.rendered.push({ what: what as 'config', expected: JSON.parse(b.text), line: b.line });
    }
  }
  return { context: parseYaml(ctx[0]!.text), examples: [...examples.values()] };
}

const keyOf = (o: KubeManifest) =>
  `${o.apiVersion.split('/')[0]}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The context with the example's objects in place of those with the same kind, namespace and name. */
export function withContext(context: KubeManifest[], example: KubeManifest[]): KubeManifest[] {
  const replaced = new Set(example.map(keyOf));
  return [...context.filter((o) => !replaced.has(keyOf(o))), ...example];
}

export function renderExample(
  context: KubeManifest[],
  ex: ReferenceExample,
): { result: RenderResult; errors: unknown[]; ignored: unknown[] } {
  const docs = withContext(context, ex.objects).map((doc, i) => ({ doc, where: `${ex.id}#${i + 1}` }));
  const load = snapshotFromManifests(docs);
  const result = render(load.snapshot, {
    controllerName: DEFAULT_CONTROLLER_NAME,
    dataplaneMode: 'managed',
    endpointDiscovery: true,
    useEndpointSlices: true,
    configOrigin: 'http://10.0.0.1:13478',
    labelFilter: DEFAULT_LABEL_FILTER,
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  return { result, errors: load.errors, ignored: load.ignored };
}

/** The rendered object of the example's first Gateway (the context's when the example has none). */
export function renderedFor(
  context: KubeManifest[],
  ex: ReferenceExample,
  result: RenderResult,
  what: 'config' | 'service' | 'deployment',
): unknown {
  const gw = [...ex.objects, ...context].find((o) => o.kind === 'Gateway');
  if (!gw) throw new Error(`example ${ex.id}: no Gateway to show the rendering of`);
  const ns = gw.metadata.namespace ?? 'default';
  if (what === 'config') return result.configs.find((c) => c.admin?.name === `${ns}/${gw.metadata.name}`);
  const list = (what === 'service' ? result.services : result.deployments) as unknown as KubeManifest[];
  return list.find((o) => o.metadata.name === gw.metadata.name && o.metadata.namespace === ns);
}

/** Paths where `actual` differs from the fields `expected` shows (arrays compare element by element). */
export function subsetMismatches(expected: unknown, actual: unknown, path = ''): string[] {
  if (expected === null || typeof expected !== 'object') {
    return Object.is(expected, actual)
      ? []
      : [`${path || '.'}: want ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (actual === null || typeof actual !== 'object')
    return [`${path || '.'}: want an object, got ${JSON.stringify(actual)}`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return [`${path}: want ${expected.length} items, got ${JSON.stringify(actual)}`];
    }
    return expected.flatMap((e, i) => subsetMismatches(e, actual[i], `${path}[${i}]`));
  }
  return Object.entries(expected).flatMap(([k, v]) =>
    subsetMismatches(v, (actual as Record<string, unknown>)[k], `${path}.${k}`),
  );
}
