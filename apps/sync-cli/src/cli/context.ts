import type { CliContext } from '@fraudops/cli';
import { DatabricksClient, FRAUDOPS_VERSION } from '@fraudops/databricks';

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
