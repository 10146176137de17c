import { Router } from 'express';
import { requireAdminToken } from '../http/auth.js';
import { ScoringError } from '../errors.js';
import type { ScoringService } from '../scoring-service.js';

/**
 * `POST /admin/reload[?force=true]`: re-resolve the model URIs and swap in what they point at now, after the
 * candidate checks. 200 when every role swapped or was unchanged; 422 when a candidate was rejected (the
 * previous model keeps serving and the body says why); 409 during another reload.
 */
export function adminRoutes<T>(service: ScoringService<T>, adminToken: string | undefined): Router {
  const router = Router();
  router.post('/admin/reload', requireAdminToken(adminToken), async (req, res) => {
    const force = req.query.force === 'true' || req.query.force === '1';
    const steps = await service.reload({ force });
    const rejected = steps.find((s) => s.status === 'rejected');
    if (rejected) {
      const error = new ScoringError('RELOAD_REJECTED', rejected.reason);
      res.status(error.status).json({ error: { code: error.code, message: error.message, request_id: req.id }, steps });
      return;
    }
    res.json({ steps });
  });
  return router;
}
