import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { ClientErrorCode, Unauthenticated } from './errors.js';
import { systemClock, type Clock } from './retry.js';
import { TokenCache, bearerHeader, type IssuedToken } from './token-cache.js';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Databricks CLI to run: `databricks_cli_path` when given (a name is looked up on PATH), else `databricks`
 * on PATH; undefined when there is none.
 */
export function findDatabricksCli(configured: string | undefined, path: string | undefined): string | undefined {
  const name = configured ?? 'databricks';
  if (isAbsolute(name) || name.includes('/')) return isExecutableFile(name) ? name : undefined;
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export interface DatabricksCliOptions {
  host: string;
  cliPath: string;
  /** Renew this long before the token expires. @defaultValue 60 000 */
  renewBeforeMs?: number;
  /** How long the CLI may take. @defaultValue 60 000 */
  timeoutMs?: number;
  clock?: Clock;
}

/**
 * `databricks-cli` auth, for profiles written by `databricks auth login`: runs `databricks auth token --host
 * <host>` (the CLI refreshes its own OAuth token cache) and sends the `access_token` it prints, until `expiry`.
 */
export class DatabricksCliProvider {
  readonly kind = 'databricks-cli' as const;
  readonly #options: DatabricksCliOptions & { timeoutMs: number };
  readonly #cache: TokenCache;

  constructor(options: DatabricksCliOptions) {
    this.#options = { ...options, timeoutMs: options.timeoutMs ?? 60_000 };
    this.#cache = new TokenCache(options.clock ?? systemClock, options.renewBeforeMs ?? 60_000);
  }

  authorization(): Promise<string> {
    return this.#cache.get(() => this.#run());
  }

  async #run(): Promise<IssuedToken> {
    const { cliPath, host, timeoutMs } = this.#options;
    const command = `databricks auth token --host ${host}`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        cliPath,
        ['auth', 'token', '--host', host],
        { timeout: timeoutMs, maxBuffer: 1 << 20 },
        (error, out, err) => {
          if (!error) {
            resolve(out);
            return;
          }
          const why = String(err).trim().split('\n')[0] || error.message.split('\n')[0];
          reject(
            new Unauthenticated(
              ClientErrorCode.oauthFailed,
              `databricks-cli auth: \`${command}\` failed (${why}). Log in with: databricks auth login --host ${host}`,
              { cause: error },
            ),
          );
        },
      );
    });
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(stdout) as Record<string, unknown>;
    } catch {
      throw new Unauthenticated(ClientErrorCode.oauthFailed, `databricks-cli auth: \`${command}\` did not print JSON.`);
    }
    const token = json['access_token'];
    if (typeof token !== 'string' || token === '') {
      throw new Unauthenticated(
        ClientErrorCode.oauthFailed,
        `databricks-cli auth: \`${command}\` printed no access_token.`,
      );
    }
    const expiry = typeof json['expiry'] === 'string' ? Date.parse(json['expiry']) : Number.NaN;
    const clock = this.#options.clock ?? systemClock;
    return {
      header: bearerHeader(json['token_type'], token),
      // No expiry: ask the CLI again in a few minutes (it answers from its cache until the token needs renewing).
      lifetimeMs: Number.isNaN(expiry) ? 300_000 : Math.max(0, expiry - clock.now()),
    };
  }
}
