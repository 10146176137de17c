import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { aliasEventSchema } from './alias-event.js';
import {
  errnoCode,
  syncDirectory,
  withLockFile,
  writeDurably,
  writeFileAtomic,
  type LockOptions,
} from './atomic-fs.js';
import { RegistryError, RegistryErrorCode } from './errors.js';
import { assertAlias, assertModelName, assertVersion, versionUri } from './model-uri.js';
import { assignedVersion, prepareRegistration, versionFiles } from './registration.js';
import { aliasEvent, ModelRegistryBase } from './registry-base.js';
import type {
  AliasEvent,
  ModelVersion,
  RegisteredModelSummary,
  RegisterModelInput,
  SetAliasOptions,
} from './registry.js';
import { parseStoredJson } from './stored-json.js';

/** The default directory of the local registry, relative to the working directory. */
export const DEFAULT_LOCAL_REGISTRY = 'models';

const ALIASES_FILE = 'aliases.json';
const STAGING_DIR = '.staging';
const CLAIMS_DIR = '.claims';
const VERSION_DIR = /^[1-9][0-9]*$/;
// A registration that crashed leaves its staging directory behind; one older than this is removed.
const ABANDONED_STAGING_MS = 60 * 60 * 1000;
// Each collision means another writer took the number; this many in a row means something is wrong.
const MAX_NUMBER_ATTEMPTS = 1000;

const aliasesFileSchema = z.strictObject({
  aliases: z.record(z.string(), z.number().int().positive()),
  history: z.array(aliasEventSchema),
});
type AliasesFile = z.infer<typeof aliasesFileSchema>;

export interface LocalRegistryOptions {
  /** Lock timing for alias updates. */
  lock?: LockOptions;
}

/**
 * The local registry: a directory (`models/` by default).
 *
 * ```
 * <root>/<name>/versions/<n>/                   an MLflow model directory, plus the card and reports:
 *                             MLmodel | model.onnx | requirements.txt | python_env.yaml | conda.yaml
 *                             report.html | report.md | card.json
 * <root>/<name>/aliases.json        current aliases and their full history
 * <root>/<name>/aliases.lock        held for the milliseconds of an alias update
 * <root>/<name>/.staging/           registrations being written (invisible to readers)
 * <root>/<name>/.claims/<n>/        a version number taken by a registration in progress
 * ```
 *
 * A registration first claims the next number by creating `.claims/<n>` (`mkdir` is atomic: one writer
 * wins, the others try `n + 1`), writes every file into a private staging directory, and renames that
 * directory to `versions/<n>`. The rename is atomic and fails onto a non-empty directory, so readers never
 * see a half-written version and two writers (promises, processes, or hosts sharing the directory) never
 * share a number even if a claim was missed. A writer that dies leaves its claim: that number is skipped.
 */
export class LocalRegistry extends ModelRegistryBase {
  /** Absolute path of the registry directory. */
  readonly root: string;
  readonly location: string;
  private readonly lockOptions: LockOptions;

  constructor(root: string = DEFAULT_LOCAL_REGISTRY, options: LocalRegistryOptions = {}) {
    super();
    this.root = resolve(root);
    this.location = pathToFileURL(this.root).href;
    this.lockOptions = options.lock ?? {};
  }

  /** The directory holding one version's files (it exists once the version is registered). */
  versionDirectory(name: string, version: number): string {
    assertModelName(name);
    assertVersion(version);
    return join(this.root, name, 'versions', String(version));
  }

  async register(input: RegisterModelInput): Promise<ModelVersion> {
    const prepared = prepareRegistration(input);
    const modelDir = join(this.root, prepared.name);
    const versionsDir = join(modelDir, 'versions');
    const stagingRoot = join(modelDir, STAGING_DIR);
    const claimsDir = join(modelDir, CLAIMS_DIR);
    await this.fs(`create ${versionsDir}`, versionsDir, async () => {
      for (const dir of [versionsDir, stagingRoot, claimsDir]) await mkdir(dir, { recursive: true });
    });
    await removeAbandonedStaging(stagingRoot);

    const staging = await this.fs('create a staging directory', stagingRoot, () =>
      mkdtemp(join(stagingRoot, `${process.pid}-`)),
    );
    let claimed: string | undefined;
    try {
      await this.fs('write model.onnx', staging, () => writeDurably(join(staging, 'model.onnx'), prepared.onnx));
      for (let attempt = 0; attempt < MAX_NUMBER_ATTEMPTS; attempt++) {
        const version = Math.max(await this.latestVersion(prepared.name), await highestNumber(claimsDir)) + 1;
        if (claimed !== undefined) await rmdir(claimed).catch(() => undefined);
        claimed = join(claimsDir, String(version));
        if (!(await this.claim(claimed))) {
          claimed = undefined;
          continue;
        }
        const reports = await prepared.renderReports(assignedVersion(prepared.name, version));
        const { card, files } = versionFiles(prepared, version, reports);
        await this.fs('write the staged version', staging, async () => {
          for (const [file, bytes] of files) if (file !== 'model.onnx') await writeDurably(join(staging, file), bytes);
          await syncDirectory(staging);
        });
        const target = join(versionsDir, String(version));
        try {
          await rename(staging, target);
        } catch (error) {
          // The claim is an optimisation; the rename is the guarantee: it fails onto a non-empty directory.
          if (
            ['ENOTEMPTY', 'EEXIST', 'EPERM', 'EACCES'].includes(errnoCode(error) ?? '') &&
            (await isDirectory(target))
          )
            continue;
          throw this.failure(`move the staged version to ${target}`, target, error);
        }
        await syncDirectory(versionsDir);
        return { name: prepared.name, version, uri: versionUri(prepared.name, version), aliases: [], card };
      }
      throw new RegistryError(
        RegistryErrorCode.conflict,
        `gave up registering ${prepared.name} after ${MAX_NUMBER_ATTEMPTS} version numbers were taken by other writers`,
        { path: versionsDir },
      );
    } finally {
      // Released on success (the version holds the number now) and on failure (nothing holds it).
      if (claimed !== undefined) await rmdir(claimed).catch(() => undefined);
      await rm(staging, { recursive: true, force: true });
    }
  }

  async listModels(): Promise<RegisteredModelSummary[]> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw this.failure('list the registry', this.root, error);
    }
    const models: RegisteredModelSummary[] = [];
    for (const entry of entries.sort()) {
      if (entry.startsWith('.') || !(await isDirectory(join(this.root, entry, 'versions')))) continue;
      models.push({
        name: entry,
        latestVersion: await this.latestVersion(entry),
        aliases: (await this.readAliases(entry)).aliases,
      });
    }
    return models;
  }

  async setAlias(name: string, alias: string, version: number, options: SetAliasOptions = {}): Promise<AliasEvent> {
    assertAlias(alias);
    await this.getVersion(name, version); // the version must exist and be intact
    return this.updateAliases(name, (aliases) => {
      const event = aliasEvent({ alias, action: 'set', version, previous: aliases.aliases[alias] ?? null }, options);
      aliases.aliases[alias] = version;
      return event;
    });
  }

  async getAlias(name: string, alias: string): Promise<number | undefined> {
    assertAlias(alias);
    await this.requireModel(name);
    return (await this.readAliases(name)).aliases[alias];
  }

  async deleteAlias(name: string, alias: string, options: SetAliasOptions = {}): Promise<AliasEvent | undefined> {
    assertAlias(alias);
    await this.requireModel(name);
    return this.updateAliases(name, (aliases) => {
      const previous = aliases.aliases[alias];
      if (previous === undefined) return undefined;
      delete aliases.aliases[alias];
      return aliasEvent({ alias, action: 'delete', version: null, previous }, options);
    });
  }

  async aliases(name: string): Promise<Record<string, number>> {
    await this.requireModel(name);
    return (await this.readAliases(name)).aliases;
  }

  async aliasHistory(name: string): Promise<AliasEvent[]> {
    await this.requireModel(name);
    return (await this.readAliases(name)).history;
  }

  protected async versionNumbers(name: string): Promise<number[]> {
    const versionsDir = await this.requireModel(name);
    const entries = await this.fs('list versions', versionsDir, () => readdir(versionsDir));
    return entries
      .filter((e) => VERSION_DIR.test(e))
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** The model's `versions` directory; throws MODEL_NOT_FOUND when it does not exist. */
  private async requireModel(name: string): Promise<string> {
    assertModelName(name);
    const versionsDir = join(this.root, name, 'versions');
    if (!(await isDirectory(versionsDir))) {
      throw new RegistryError(RegistryErrorCode.modelNotFound, `model ${name} is not registered in ${this.root}`, {
        path: versionsDir,
      });
    }
    return versionsDir;
  }

  protected async versionAliases(name: string, version: number): Promise<string[]> {
    assertVersion(version);
    await this.requireModel(name);
    const dir = this.versionDirectory(name, version);
    if (!(await isDirectory(dir))) {
      throw new RegistryError(
        RegistryErrorCode.versionNotFound,
        `model ${name} has no version ${version} (${dir} does not exist)`,
        { path: dir },
      );
    }
    const aliases = (await this.readAliases(name)).aliases;
    return Object.keys(aliases)
      .filter((alias) => aliases[alias] === version)
      .sort((a, b) => a.localeCompare(b));
  }

  protected override versionFilePath(name: string, version: number, file: string): string {
    return join(this.versionDirectory(name, version), file);
  }

  protected async readVersionFile(name: string, version: number, file: string): Promise<Uint8Array> {
    const path = this.versionFilePath(name, version, file);
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        throw new RegistryError(
          RegistryErrorCode.artifactMissing,
          `${path} is missing: ${versionUri(name, version)} is incomplete`,
          {
            path,
            cause: error,
          },
        );
      }
      throw this.failure(`read ${file}`, path, error);
    }
  }

  private async readAliases(name: string): Promise<AliasesFile> {
    const path = join(this.root, name, ALIASES_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { aliases: {}, history: [] };
      throw this.failure('read the aliases', path, error);
    }
    return parseStoredJson(text, path, aliasesFileSchema, 'a valid aliases file');
  }

  /** Read-modify-write of the aliases file under its lock; `change` returns the event to record, if any. */
  private async updateAliases<E extends AliasEvent | undefined>(
    name: string,
    change: (aliases: AliasesFile) => E,
  ): Promise<E> {
    await this.requireModel(name);
    const path = join(this.root, name, ALIASES_FILE);
    return withLockFile(
      `${path.slice(0, -'.json'.length)}.lock`,
      async () => {
        const aliases = await this.readAliases(name);
        const event = change(aliases);
        if (event === undefined) return event;
        aliases.history.push(event);
        await this.fs('write the aliases', path, () => writeFileAtomic(path, `${JSON.stringify(aliases, null, 2)}\n`));
        return event;
      },
      this.lockOptions,
    );
  }

  /** Takes a version number: `mkdir` is atomic, so exactly one writer creates the claim. */
  private async claim(path: string): Promise<boolean> {
    try {
      await mkdir(path);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      throw this.failure('claim a version number', path, error);
    }
  }

  private async fs<T>(what: string, path: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      throw this.failure(what, path, error);
    }
  }

  private failure(what: string, path: string, error: unknown): RegistryError {
    return new RegistryError(
      RegistryErrorCode.backendFailure,
      `could not ${what} (${path}): ${(error as Error).message}`,
      { path, cause: error },
    );
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The highest numeric entry of a directory (0 when there is none). */
async function highestNumber(dir: string): Promise<number> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.filter((e) => VERSION_DIR.test(e)).reduce((max, e) => Math.max(max, Number(e)), 0);
}

async function removeAbandonedStaging(stagingRoot: string): Promise<void> {
  const entries = await readdir(stagingRoot).catch(() => [] as string[]);
  for (const entry of entries) {
    const path = join(stagingRoot, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > ABANDONED_STAGING_MS) await rm(path, { recursive: true, force: true });
  }
}
