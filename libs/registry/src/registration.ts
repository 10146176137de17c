import { createHash } from 'node:crypto';
import { RegistryError, RegistryErrorCode } from './errors.js';
import {
  MODEL_CARD_SCHEMA_VERSION,
  parseModelCard,
  parseModelCardDraft,
  serializeModelCard,
  type ChecksummedFile,
  type ModelCard,
} from './model-card.js';
import { mlflowModelFiles, type MlflowModel } from './mlflow-model.js';
import { assertModelName, versionUri } from './model-uri.js';
import type { AssignedVersion, ModelReports, RegisterModelInput } from './registry.js';

type ValidDraft = ReturnType<typeof parseModelCardDraft>;

/** A registration whose input has been checked, ready for a backend to store under a number. */
export interface PreparedRegistration {
  name: string;
  onnx: Uint8Array;
  draft: ValidDraft;
  created: string;
  /** The MLflow model files (`MLmodel` with the signature read from the ONNX graph, the environment). */
  mlflow: MlflowModel;
  renderReports: (assigned: AssignedVersion) => Promise<{ html: Uint8Array; markdown: Uint8Array }>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Checks a registration's input (name, ONNX bytes, card, reports) before anything is written. */
export function prepareRegistration(input: RegisterModelInput): PreparedRegistration {
  assertModelName(input.name);
  if (!(input.onnx instanceof Uint8Array) || input.onnx.byteLength === 0) {
    throw new RegistryError(
      RegistryErrorCode.invalidCard,
      `model.onnx for ${input.name} is empty: pass the ONNX graph's bytes`,
    );
  }
  const draft = parseModelCardDraft(input.card);
  const encoder = new TextEncoder();
  const created = draft.created ?? new Date().toISOString();
  const mlflow = mlflowModelFiles(input.onnx, { created });
  checkSignatureFitsCard(mlflow, draft.featureSpec.features.length, input.name);
  return {
    name: input.name,
    onnx: input.onnx,
    draft,
    created,
    mlflow,
    renderReports: async (assigned) => {
      const reports: ModelReports = typeof input.reports === 'function' ? await input.reports(assigned) : input.reports;
      if (typeof reports?.html !== 'string' || typeof reports?.markdown !== 'string') {
        throw new RegistryError(
          RegistryErrorCode.invalidCard,
          `reports for ${assigned.uri} must have html and markdown strings`,
        );
      }
      return { html: encoder.encode(reports.html), markdown: encoder.encode(reports.markdown) };
    },
  };
}

/** The scorer feeds one float32 matrix [N, features] in feature-spec order: the graph must take exactly that. */
function checkSignatureFitsCard(mlflow: MlflowModel, features: number, name: string): void {
  const { inputs } = mlflow.signature;
  const input = inputs[0];
  const width = input?.shape[input.shape.length - 1];
  if (inputs.length !== 1 || input.dtype !== 'float32' || input.shape.length !== 2 || width !== features) {
    const found = inputs.map((i) => `${i.name} ${i.dtype} [${i.shape.join(', ')}]`).join('; ');
    throw new RegistryError(
      RegistryErrorCode.invalidCard,
      `model.onnx for ${name} takes ${found}, but the card's feature spec needs one float32 input [-1, ${features}] (its features in order)`,
    );
  }
}

/** A version's files in the order a backend writes them (the card last, once it can record the others' checksums). */
export function versionFiles(
  prepared: PreparedRegistration,
  version: number,
  reports: { html: Uint8Array; markdown: Uint8Array },
): { card: ModelCard; files: Array<[name: string, bytes: Uint8Array]> } {
  const files: Record<ChecksummedFile, Uint8Array> = {
    'model.onnx': prepared.onnx,
    ...prepared.mlflow.files,
    'report.html': reports.html,
    'report.md': reports.markdown,
  };
  const card = buildCard(prepared, version, files);
  return { card, files: [...Object.entries(files), ['card.json', new TextEncoder().encode(serializeModelCard(card))]] };
}

/** The complete card of a version: the draft plus what the registry knows (number, time, checksums). */
function buildCard(
  prepared: PreparedRegistration,
  version: number,
  files: Record<ChecksummedFile, Uint8Array>,
): ModelCard {
  const digest = (bytes: Uint8Array) => ({ sha256: sha256Hex(bytes), bytes: bytes.byteLength });
  const { created: _created, ...draft } = prepared.draft;
  const card = {
    schemaVersion: MODEL_CARD_SCHEMA_VERSION,
    name: prepared.name,
    version,
    created: prepared.created,
    ...draft,
    artifacts: Object.fromEntries(Object.entries(files).map(([file, bytes]) => [file, digest(bytes)])),
  };
  // Validated once more as a whole so that nothing a reader would reject is ever written.
  return parseModelCard(card, `card.json of ${versionUri(prepared.name, version)}`);
}

export function assignedVersion(name: string, version: number): AssignedVersion {
  return { name, version, uri: versionUri(name, version) };
}

/**
 * Checks a stored card against the location it was read from, and a file against the card's checksum.
 * `source` names the file in messages.
 */
export function checkCardIdentity(card: ModelCard, name: string, version: number, source: string): void {
  if (card.name !== name || card.version !== version) {
    throw new RegistryError(
      RegistryErrorCode.artifactCorrupt,
      `${source} describes ${card.name} version ${card.version}, but it is stored as ${name} version ${version}`,
      { path: source },
    );
  }
}

export function checkArtifact(card: ModelCard, file: ChecksummedFile, bytes: Uint8Array, source: string): void {
  const expected = card.artifacts[file];
  if (expected === undefined) {
    throw new RegistryError(
      RegistryErrorCode.artifactMissing,
      `${source}: ${versionUri(card.name, card.version)} was registered before versions were MLflow models; its card records no ${file}`,
      { path: source },
    );
  }
  const actual = sha256Hex(bytes);
  if (bytes.byteLength !== expected.bytes || actual !== expected.sha256) {
    throw new RegistryError(
      RegistryErrorCode.artifactCorrupt,
      `${source} does not match card.json: expected ${expected.bytes} bytes with SHA-256 ${expected.sha256}, found ${bytes.byteLength} bytes with ${actual}`,
      { path: source },
    );
  }
}
