// The operator's Prometheus metrics (reference/stunner-v1.md §2.10), on a registry of its own.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  renderTotal: Counter;
  renderTime: Histogram;
  updateTotal: Counter<'result'>;
  updateErrors: Counter;
  updateTime: Histogram;
  resourceOperations: Counter<'scope' | 'kind' | 'operation'>;
  reconcileEvents: Counter<'result'>;
  generation: Gauge;
  generationLastAcked: Gauge;
  leader: Gauge;
}

const P = 'stunner_gateway_operator_';

export function makeOperatorMetrics(): OperatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    renderTotal: new Counter({ name: `${P}render_total`, help: 'Renders of the whole configuration.', registers: r }),
    renderTime: new Histogram({ name: `${P}render_time_seconds`, help: 'Time spent rendering.', registers: r }),
    updateTotal: new Counter({
      name: `${P}update_total`,
      help: 'Updates written to Kubernetes, by result.',
      labelNames: ['result'],
      registers: r,
    }),
    updateErrors: new Counter({ name: `${P}update_errors_total`, help: 'Failed Kubernetes writes.', registers: r }),
    updateTime: new Histogram({
      name: `${P}update_time_seconds`,
      help: 'Time spent writing one update.',
      registers: r,
    }),
    resourceOperations: new Counter({
      name: `${P}resource_operations_total`,
      help: 'Kubernetes writes by scope, kind and operation.',
      labelNames: ['scope', 'kind', 'operation'],
      registers: r,
    }),
    reconcileEvents: new Counter({
      name: `${P}reconcile_events_total`,
      help: 'Watch events that asked for a render, by result (triggered or coalesced).',
      labelNames: ['result'],
      registers: r,
    }),
    generation: new Gauge({ name: `${P}generation`, help: 'Generation of the last render.', registers: r }),
    generationLastAcked: new Gauge({
      name: `${P}generation_last_acked`,
      help: 'Generation the updater last finished writing.',
      registers: r,
    }),
    leader: new Gauge({ name: `${P}leader`, help: '1 while this instance holds the leader lease.', registers: r }),
  };
}
