import { DatabricksClient, FRAUDOPS_VERSION } from '@fraudops/databricks';
import type { CliStreams, Output } from './output.js';

/** What a command runs with: streams and environment are passed in so tests run the CLI in-process. */
export interface CliContext {
  streams: CliStreams;
  env: NodeJS.ProcessEnv;
  /** Set by the command once it knows whether `--json` was asked for, so errors come out the same way. */
  output?: Output;
}

export const PRODUCT = `fraudops-sync/${FRAUDOPS_VERSION}`;

/** A client from explicit profile → environment → `~/.databrickscfg` (with `~` from the context's HOME). */
export function clientFor(context: CliContext, profile: string | undefined): DatabricksClient {
  return DatabricksClient.fromEnvironment({
    env: context.env,
    ...(profile ? { profile } : {}),
    ...(context.env['HOME'] ? { homeDir: context.env['HOME'] } : {}),
    product: PRODUCT,
  });
}
