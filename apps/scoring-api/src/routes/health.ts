import { Router, type Request, type Response } from 'express';
import type { ScoringService } from '../scoring-service.js';

/**
 * Liveness and readiness, kept apart: liveness only says the process answers (restart me if not);
 * readiness says a model is loaded, the state is warm and we are not draining (send me traffic).
 * Both are open (no API key) so that orchestrator probes need no secret.
 */
export function healthRoutes<T>(service: ScoringService<T>): Router {
  const router = Router();
  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req: Request, res: Response) => {
    const readiness = service.readiness();
    res
      .status(readiness.ready ? 200 : 503)
      .json({ status: readiness.ready ? 'ready' : 'not ready', reasons: readiness.reasons });
  });
  router.get('/v2/health/live', (_req: Request, res: Response) => {
    res.json({ live: true });
  });
  router.get('/v2/health/ready', (_req: Request, res: Response) => {
    const readiness = service.readiness();
    res.status(readiness.ready ? 200 : 503).json({ ready: readiness.ready });
  });
  return router;
}
