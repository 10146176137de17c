import { RegistryError, RegistryErrorCode } from './errors.js';
import { ONNX_MODEL_FILE, parseMlmodel } from './mlflow-model.js';
import { parseModelCard, type ChecksummedFile, type ModelCard } from './model-card.js';
import { versionUri, type ModelUri } from './model-uri.js';
import { checkArtifact, checkCardIdentity } from './registration.js';
import type {
  AliasEvent,
  LoadedModel,
  ModelRegistry,
  ModelVersion,
  ModelVersionSummary,
  RegisteredModelSummary,
  RegisterModelInput,
  SetAliasOptions,
} from './registry.js';
import { resolveVersionNumber } from './resolution.js';

/** An alias change as a backend records it: the event without its time. */
export type AliasChange = Omit<AliasEvent, 'at' | 'reason'>;

/**
 * What every backend shares (as MLflow's `AbstractStore` does for its stores): URI resolution, loading a
 * model, reading checked artifacts, version listings and the shape of alias events. A backend supplies
 * storage: where a version's files are, which versions readers may see, and the aliases of a version.
 */
export abstract class ModelRegistryBase implements ModelRegistry {
  abstract readonly location: string;

  abstract register(input: RegisterModelInput): Promise<ModelVersion>;
  abstract listModels(): Promise<RegisteredModelSummary[]>;
  abstract setAlias(name: string, alias: string, version: number, options?: SetAliasOptions): Promise<AliasEvent>;
  abstract getAlias(name: string, alias: string): Promise<number | undefined>;
  abstract deleteAlias(name: string, alias: string, options?: SetAliasOptions): Promise<AliasEvent | undefined>;
  abstract aliases(name: string): Promise<Record<string, number>>;
  abstract aliasHistory(name: string): Promise<AliasEvent[]>;

  /** The directory (or volume folder) holding one version's files. */
  abstract versionDirectory(name: string, version: number): string;

  /** The version numbers readers may see, ascending. Throws MODEL_NOT_FOUND for an unknown model. */
  protected abstract versionNumbers(name: string): Promise<number[]>;

  /**
   * The aliases pointing at a version now, sorted. Throws MODEL_NOT_FOUND / VERSION_NOT_FOUND when the
   * version is not there for readers, so it doubles as the existence check before its files are read.
   */
  protected abstract versionAliases(name: string, version: number): Promise<string[]>;

  /** The stored bytes of one file of a version; ARTIFACT_MISSING naming the path when it is absent. */
  protected abstract readVersionFile(
    name: string,
    version: number,
    file: ChecksummedFile | 'card.json',
  ): Promise<Uint8Array>;

  /** The path of one file of a version, as messages name it. */
  protected versionFilePath(name: string, version: number, file: ChecksummedFile | 'card.json'): string {
    return `${this.versionDirectory(name, version)}/${file}`;
  }

  async listVersions(name: string): Promise<ModelVersionSummary[]> {
    const numbers = await this.versionNumbers(name);
    const byVersion = invertAliases(await this.aliases(name));
    return numbers.map((version) => ({
      name,
      version,
      uri: versionUri(name, version),
      aliases: byVersion.get(version) ?? [],
    }));
  }

  async getVersion(name: string, version: number): Promise<ModelVersion> {
    const aliases = await this.versionAliases(name, version);
    const card = await this.readCard(name, version);
    return { name, version, uri: versionUri(name, version), aliases, card };
  }

  async resolve(uri: string | ModelUri): Promise<ModelVersion> {
    const { name, version } = await resolveVersionNumber(uri, this);
    return this.getVersion(name, version);
  }

  async loadModel(uri: string | ModelUri): Promise<LoadedModel> {
    const resolved = await this.resolve(uri);
    const onnx = await this.readChecked(resolved.card, await this.onnxFileOf(resolved.card));
    return { ...resolved, onnx };
  }

  /**
   * The ONNX file of a version, as its `MLmodel` names it (the onnx flavor's `data`), checked against the card:
   * the signature must take the card's features as one float32 matrix. Versions registered before versions
   * were MLflow models have no `MLmodel`: their graph is `model.onnx`.
   */
  protected async onnxFileOf(card: ModelCard): Promise<'model.onnx'> {
    if (card.artifacts.MLmodel === undefined) return ONNX_MODEL_FILE;
    const path = this.versionFilePath(card.name, card.version, 'MLmodel');
    const mlmodel = parseMlmodel(new TextDecoder().decode(await this.readChecked(card, 'MLmodel')), path);
    const input = mlmodel.signature.inputs;
    const width = card.featureSpec.features.length;
    if (
      mlmodel.onnxData !== ONNX_MODEL_FILE ||
      input.length !== 1 ||
      input[0].dtype !== 'float32' ||
      input[0].shape.at(-1) !== width
    ) {
      throw new RegistryError(
        RegistryErrorCode.artifactCorrupt,
        `${path} loads ${mlmodel.onnxData} with input ${JSON.stringify(input)}, but the card says ${ONNX_MODEL_FILE} with one float32 input of ${width} features`,
        { path },
      );
    }
    return ONNX_MODEL_FILE;
  }

  async readArtifact(name: string, version: number, file: ChecksummedFile | 'card.json'): Promise<Uint8Array> {
    const { card } = await this.getVersion(name, version);
    if (file === 'card.json') return this.readVersionFile(name, version, file);
    return this.readChecked(card, file);
  }

  /** Highest version number readers may see (0 when none yet). Throws MODEL_NOT_FOUND for an unknown model. */
  async latestVersion(name: string): Promise<number> {
    const numbers = await this.versionNumbers(name);
    return numbers.length === 0 ? 0 : numbers[numbers.length - 1];
  }

  /** The validated card of a version, checked to describe the name and number it is stored under. */
  protected async readCard(name: string, version: number): Promise<ModelCard> {
    const path = this.versionFilePath(name, version, 'card.json');
    const card = parseModelCard(new TextDecoder().decode(await this.readVersionFile(name, version, 'card.json')), path);
    checkCardIdentity(card, name, version, path);
    return card;
  }

  /** One file of a version, checked against the card's size and SHA-256. */
  protected async readChecked(card: ModelCard, file: ChecksummedFile): Promise<Uint8Array> {
    const bytes = await this.readVersionFile(card.name, card.version, file);
    checkArtifact(card, file, bytes, this.versionFilePath(card.name, card.version, file));
    return bytes;
  }
}

/** The event to record for an alias change made now (`reason` only when the caller gave one). */
export function aliasEvent(change: AliasChange, options: SetAliasOptions = {}): AliasEvent {
  return {
    at: new Date().toISOString(),
    alias: change.alias,
    action: change.action,
    version: change.version,
    previous: change.previous,
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
  };
}

/** alias → version turned into version → its aliases (sorted). */
function invertAliases(aliases: Record<string, number>): Map<number, string[]> {
  const byVersion = new Map<number, string[]>();
  for (const [alias, version] of Object.entries(aliases).sort(([a], [b]) => a.localeCompare(b))) {
    byVersion.set(version, [...(byVersion.get(version) ?? []), alias]);
  }
  return byVersion;
}
