import { DatabricksClient, DatabricksConfigError } from '@fraudops/databricks';
import { DatabricksSqlEngine, sqlEngineOptionsFromConfig } from '@fraudops/databricks-sql';
import type { ConnectionFlags } from '../cli/databricks-flags.js';

const PRODUCT = 'fraudops-train/0.0.1';

/** The workspace client: --profile, else DATABRICKS_HOST / _TOKEN / _CLIENT_ID + _SECRET, else ~/.databrickscfg. */
export function openWorkspace(flags: ConnectionFlags): DatabricksClient {
  return DatabricksClient.fromEnvironment({ ...(flags.profile ? { profile: flags.profile } : {}), product: PRODUCT });
}

/**
 * The SQL warehouse of the workspace (`--warehouse-id`, else DATABRICKS_WAREHOUSE_ID or the profile's
 * `warehouse_id`). `--sql-host` points at a warehouse served elsewhere (the local emulator's own port), and
 * `--sql-insecure` accepts its self-signed certificate.
 */
export function openWarehouse(client: DatabricksClient, flags: ConnectionFlags): DatabricksSqlEngine {
  const warehouseId = flags.warehouseId ?? client.config.warehouseId;
  if (!warehouseId) {
    throw new DatabricksConfigError(
      'CONFIG_MISSING',
      'no SQL warehouse: pass --warehouse-id, or set DATABRICKS_WAREHOUSE_ID (or warehouse_id in the profile)',
    );
  }
  const options = sqlEngineOptionsFromConfig(client.config, { warehouseId });
  return new DatabricksSqlEngine({
    ...options,
    ...(flags.sqlHost ? { host: flags.sqlHost } : {}),
    ...(flags.sqlInsecure ? { checkServerCertificate: false } : {}),
  });
}

/** A file of a volume as text (model.json, predictions.csv, launch.json are small). */
export async function downloadText(client: DatabricksClient, path: string): Promise<string> {
  const { body } = await client.files.download(path);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}
