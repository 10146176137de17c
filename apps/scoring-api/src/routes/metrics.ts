import { Router } from 'express';
import type { ServiceMetrics } from '../metrics.js';

/** `GET /metrics`: Prometheus text format (open, like the health probes). */
export function metricsRoutes(metrics: ServiceMetrics, beforeScrape: () => void): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    beforeScrape();
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}
