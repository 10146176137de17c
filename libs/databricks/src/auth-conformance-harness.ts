import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// What the CLIs' configuration conformance specs share (apps/sync-cli and apps/trainer, through
// `@fraudops/databricks/testing`): the case table this library's own spec runs too, the workspace emulator in its
// own process with basic auth and the GitHub OIDC stand-in, a `databricks` CLI stand-in, and each case's
// environment and config file. Each spec keeps its own command and assertions.

/** One case of `src/testing/auth-conformance.json` (shared/reference/databricks-auth.md's table). */
export interface AuthConformanceCase {
  id: number;
  title: string;
  env: Record<string, string>;
  /** The `~/.databrickscfg` of the case, with placeholders. */
  file?: string;
  /** The host the CLI is given, with placeholders. */
  cliHost?: string;
  expect: { authType?: string; code?: string; message?: string[]; notMessage?: string[] };
}

/** The GitHub job subject the emulator's federation policy trusts (`req-staging`); `req-feature` is another branch. */
export const CONFORMANCE_STAGING_SUBJECT = 'repo:acme/fraudops:environment:staging';
/** Workspace A's token in the cases: a host that is never reached, a secret that must never be printed. */
const TOKEN_A = 'dapi-workspace-a-secret';
/** The password of the emulator's basic-auth user `ci-user`. */
const PASSWORD = 'ci-password-secret';

/** The conformance cases, read from the workspace at `root`. */
export function authConformanceCases(root: string): AuthConformanceCase[] {
  const path = join(root, 'libs/databricks/src/testing/auth-conformance.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: AuthConformanceCase[] }).cases;
}

export interface ConformanceEmulatorOptions {
  /** The workspace root (the emulator runs from `tools/databricks-emulator/dist/main.js`). */
  root: string;
  /** A scratch folder of the spec: the CLI stand-ins and each case's home go there. */
  dir: string;
  /** The project whose `nx test` builds the emulator first (named when it is missing). */
  project: string;
  /** Flags the spec adds to the emulator's (e.g. `--git-remote`). */
  extraArgs?: string[];
}

/** A running workspace emulator and what a case needs of it. */
export interface ConformanceEmulator {
  url: string;
  /** The emulator's own token (the cases' `@TOKEN@`). */
  token: string;
  githubIdTokenRequestUrl: string;
  /** Every secret the cases hand a CLI: none may appear in its output. */
  secrets: string[];
  /** The case text with its placeholders (`@HOST@`, `@TOKEN@`, `@STUB_PATH@`, …) filled in. */
  substitute(text: string): string;
  /** A fresh home for the case (its config file written there) and the environment the case sets. */
  prepareCase(c: AuthConformanceCase): { home: string; env: Record<string, string> };
  /** The environment of a GitHub Actions job with `id-token: write` signing in as `sp-app` by federation. */
  githubOidcEnv(requestToken: string): Record<string, string>;
  stop(): Promise<void>;
}

/** A `databricks auth token --host <url>` stand-in printing `token` (the databricks-cli method runs it). */
function writeDatabricksCliStub(dir: string, url: string, token: string): void {
  mkdirSync(join(dir, 'stub-bin'), { recursive: true });
  mkdirSync(join(dir, 'empty-bin'), { recursive: true });
  writeFileSync(
    join(dir, 'stub-bin/databricks'),
    `#!/bin/sh\n[ "$1 $2 $3 $4" = "auth token --host ${url}" ] || { echo "unexpected: $*" >&2; exit 2; }\n` +
      `echo '{"access_token":"${token}","token_type":"Bearer","expiry":"2999-01-01T00:00:00Z"}'\n`,
  );
  chmodSync(join(dir, 'stub-bin/databricks'), 0o755);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts the workspace emulator (its own process, an ephemeral port) with the basic-auth user, the GitHub
 * stand-in's two jobs and the federation policy the cases use, and writes the `databricks` CLI stand-in.
 */
// eslint-disable-next-line max-lines-per-function -- starts the emulator process and writes the CLI stand-in; the cases need both set up together
export async function startConformanceEmulator(options: ConformanceEmulatorOptions): Promise<ConformanceEmulator> {
  const emulatorMain = join(options.root, 'tools/databricks-emulator/dist/main.js');
  if (!existsSync(emulatorMain)) {
    throw new Error(`${emulatorMain} is missing: run through Nx (nx test ${options.project} builds it first).`);
  }
  const { dir } = options;
  const emulator = spawn(
    process.execPath,
    [
      emulatorMain,
      '--port',
      '0',
      '--no-sql',
      '--no-seed',
      '--json',
      '--tick-ms',
      '5',
      ...(options.extraArgs ?? []),
      '--basic-user',
      `ci-user:${PASSWORD}`,
      '--github-job',
      `req-staging=${CONFORMANCE_STAGING_SUBJECT}`,
      '--github-job',
      'req-feature=repo:acme/fraudops:ref:refs/heads/feature',
      '--federation-policy',
      `sp-app=${CONFORMANCE_STAGING_SUBJECT}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let started: { url: string; token: string; githubIdTokenRequestUrl: string };
  try {
    const line = await new Promise<string>((resolveLine, reject) => {
      createInterface({ input: emulator.stdout as NodeJS.ReadableStream }).once('line', resolveLine);
      emulator.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
    });
    started = JSON.parse(line) as typeof started;
  } catch (error) {
    await stopProcess(emulator);
    throw error;
  }
  writeDatabricksCliStub(dir, started.url, started.token);
  const substitute = (text: string) =>
    text
      .replaceAll('@HOST_A@', 'http://127.0.0.1:9')
      .replaceAll('@TOKEN_A@', TOKEN_A)
      .replaceAll('@HOST@', started.url)
      .replaceAll('@URL@', started.url)
      .replaceAll('@TOKEN@', started.token)
      .replaceAll('@MISSING_FILE@', join(dir, 'missing.cfg'))
      .replaceAll('@STUB_PATH@', join(dir, 'stub-bin'))
      .replaceAll('@EMPTY_PATH@', join(dir, 'empty-bin'));
  return {
    ...started,
    secrets: [started.token, TOKEN_A, PASSWORD],
    substitute,
    prepareCase(c) {
      const home = join(dir, `home-${c.id}`);
      mkdirSync(home, { recursive: true });
      if (c.file !== undefined) writeFileSync(join(home, '.databrickscfg'), substitute(c.file));
      const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, substitute(v)]));
      if (c.cliHost !== undefined) env['DATABRICKS_HOST'] = substitute(c.cliHost);
      return { home, env };
    },
    githubOidcEnv: (requestToken) => ({
      DATABRICKS_HOST: started.url,
      DATABRICKS_AUTH_TYPE: 'github-oidc',
      DATABRICKS_CLIENT_ID: 'sp-app',
      ACTIONS_ID_TOKEN_REQUEST_URL: started.githubIdTokenRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    }),
    stop: () => stopProcess(emulator),
  };
}
