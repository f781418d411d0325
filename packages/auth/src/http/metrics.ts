import { Counter, Gauge, Registry } from 'prom-client';

/** authd's Prometheus metrics, in a registry of its own. */
export class AuthMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'authd_requests_total',
    help: 'HTTP requests answered, by endpoint and status code',
    labelNames: ['endpoint', 'code'] as const,
    registers: [this.registry],
  });
  readonly configs = new Gauge({
    name: 'authd_configs',
    help: 'stunnerd configs (gateways) the auth service knows',
    registers: [this.registry],
  });
  readonly cdsConnected = new Gauge({
    name: 'authd_cds_connected',
    help: '1 while the config discovery watch is connected',
    registers: [this.registry],
  });
}
