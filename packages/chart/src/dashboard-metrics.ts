// The metric names a Grafana dashboard queries and the names a Prometheus exposition exports, so a test
// can tell a dashboard panel that would stay empty.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.ts';

export const DASHBOARD_PATH = join(repoRoot, 'deploy/monitoring/grafana-dashboard.json');

interface Panel {
  title?: string;
  type?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list: { name: string; query?: string | { query?: string } }[] };
}

export function loadDashboard(path = DASHBOARD_PATH): Dashboard {
  return JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Series names a PromQL expression selects (functions, keywords, labels and numbers left out). */
export function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const id = m[0].replace(/\s*\($/, '');
    if (m[1] !== undefined || KEYWORDS.has(id.toLowerCase())) continue;
    names.add(id);
  }
  return [...names];
}

/** Every series name the dashboard queries, with the panel (or variable) that queries it. */
export function dashboardMetrics(d: Dashboard): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, where: string) => out.set(name, [...(out.get(name) ?? []), where]);
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        for (const n of promqlMetricNames(t.expr ?? '')) add(n, `panel "${p.title}"`);
      }
      walk(p.panels ?? []);
    }
  };
  walk(d.panels);
  for (const v of d.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    const m = /label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(q ?? '');
    if (m) add(m[1]!, `variable $${v.name}`);
  }
  return out;
}

/** Series names a Prometheus text exposition exports, from its # TYPE lines. */
export function exportedSeries(exposition: string): Set<string> {
  const out = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [name, type] = [m[1]!, m[2]!];
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
    else if (type === 'summary') for (const s of ['', '_sum', '_count']) out.add(name + s);
    else out.add(name);
  }
  return out;
}
