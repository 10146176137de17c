import { Router } from 'express';
import type { MonitoringReport } from '../monitoring/report.js';

/** `GET /v1/monitoring`: drift, alert rate, accuracy from feedback, challenger agreement. */
export function monitoringRoutes(report: () => MonitoringReport): Router {
  const router = Router();
  router.get('/v1/monitoring', (_req, res) => {
    res.json(report());
  });
  return router;
}
