// Prometheus metrics: one registry per process with the default process metrics and hahaha's own.
// Served on a separate plain-HTTP port so scraping needs no TLS and no access to the webhook port.

import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly admissionRequests: Counter<'webhook' | 'operation' | 'result'>;
  readonly admissionDuration: Histogram<'webhook'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    admissionRequests: new Counter({
      name: 'hahaha_admission_requests_total',
      help: 'Admission requests answered, by webhook (mutate, validate), operation and result (patched, allowed, denied, skipped, invalid, error).',
      labelNames: ['webhook', 'operation', 'result'],
      registers: [registry],
    }),
    admissionDuration: new Histogram({
      name: 'hahaha_admission_duration_seconds',
      help: 'Time to answer an admission request, from body parsed to response sent.',
      labelNames: ['webhook'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}

/** The plain-HTTP metrics server (GET /metrics). */
export function metricsServer(metrics: Metrics): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return app;
}
