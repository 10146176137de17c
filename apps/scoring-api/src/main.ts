import { loadConfig, type ScoringConfig } from './config.js';
import { errorMessage } from '@fraudops/core';
import { ScoringError } from './errors.js';
import { createLogger } from './logger.js';
import { announceWhenReady } from './usage.js';
import { startScoringServer } from './start.js';

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
    logger.fatal({ code: error instanceof ScoringError ? error.code : 'STARTUP_FAILED', reason: errorMessage(error) }, 'scoring-api did not start');
    process.stderr.write(`scoring-api: ${errorMessage(error)}\n`);
    return 1;
  }
  const model = server.service.champion.model;
  logger.info({ url: server.url, model: model && { name: model.name, version: model.version, uri: model.uri } }, 'listening');
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

void main().then((code) => {
  process.exitCode = code;
  // Let pino flush, then leave even if a stray handle (a client socket) lingers.
  setTimeout(() => process.exit(code), 200).unref();
});
