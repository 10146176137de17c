import { loadConfig, type ScoringConfig } from './config.js';
import { errorMessage } from '@fraudops/core';
import { ScoringError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { announceWhenReady } from './usage.js';
import { startScoringServer, type ScoringServer } from './start.js';

/** The service process: configuration, start, and the signals an orchestrator sends. */
async function main(): Promise<number> {
  let config: ScoringConfig;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`scoring-api: ${errorMessage(error)}\n`);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  let server;
  try {
    server = await startScoringServer(config, { logger });
  } catch (error) {
    logger.fatal(
      { code: error instanceof ScoringError ? error.code : 'STARTUP_FAILED', reason: errorMessage(error) },
      'scoring-api did not start',
    );
    process.stderr.write(`scoring-api: ${errorMessage(error)}\n`);
    return 1;
  }
  const model = server.service.champion.model;
  logger.info(
    { url: server.url, model: model && { name: model.name, version: model.version, uri: model.uri } },
    'listening',
  );
  if (config.warmUpOnly) return warmUpAndLeave(server, logger);
  announceWhenReady(server, config.apiKeys.length > 0, (text) => process.stderr.write(text)).catch(() => undefined);

  process.on('SIGHUP', () => {
    server.reload().then(
      (steps) => logger.info({ steps }, 'reload on SIGHUP'),
      (error: unknown) => logger.warn({ reason: errorMessage(error) }, 'reload on SIGHUP refused'),
    );
  });
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      server.shutdown().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ reason: errorMessage(error) }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/**
 * `WARM_UP_ONLY=true`: the deployment's warm-up job. Waits for the warm-up (with `STATE_STORE=redis://…` the
 * shared store's, once under its lock), shuts down (writing `STATE_SNAPSHOT` when set) and exits 0; 1 when the
 * warm-up failed.
 */
async function warmUpAndLeave(server: ScoringServer, logger: Logger): Promise<number> {
  let code = 0;
  try {
    logger.info({ ...(await server.warmedUp) }, 'warm-up only: the online state is warm');
  } catch (error) {
    logger.fatal({ code: 'STARTUP_FAILED', reason: errorMessage(error) }, 'warm-up only: the warm-up failed');
    process.stderr.write(`scoring-api: warm-up failed: ${errorMessage(error)}\n`);
    code = 1;
  }
  await server.shutdown().catch((error: unknown) => logger.error({ reason: errorMessage(error) }, 'shutdown failed'));
  return code;
}

void main().then((code) => {
  process.exitCode = code;
  // Let pino flush, then leave even if a stray handle (a client socket) lingers.
  setTimeout(() => process.exit(code), 200).unref();
});
