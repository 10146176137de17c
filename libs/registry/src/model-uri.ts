import { RegistryError, RegistryErrorCode } from './errors.js';

/**
 * A parsed model URI. `models:/<name>@<alias>` names whatever version the alias points at,
 * `models:/<name>/<version>` one immutable version, `models:/<name>/latest` the highest version.
 */
export type ModelUri =
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'version'; name: string; version: number }
  | { kind: 'latest'; name: string };

/** The scheme every model URI starts with (as in MLflow). */
export const MODEL_URI_SCHEME = 'models:/';

// Lower case only: Unity Catalog folds identifiers to lower case and some file systems ignore case,
// so `Fraud` and `fraud` must not become two models on one backend and one on another.
const MODEL_NAME = /^[a-z0-9][a-z0-9_-]{0,254}$/;
const ALIAS = /^[a-z][a-z0-9_]{0,254}$/;
// MLflow reserves these: `latest` means the highest version and `v3` reads as a version number.
const RESERVED_ALIAS = /^(latest|v\d+)$/;

/** Throws `INVALID_NAME` unless `name` is a valid model name (lower-case letters, digits, `_`, `-`). */
export function assertModelName(name: string): void {
  if (!MODEL_NAME.test(name)) {
    throw new RegistryError(
      RegistryErrorCode.invalidName,
      `model name ${JSON.stringify(name)} is invalid: use 1–255 lower-case letters, digits, "_" or "-", starting with a letter or digit`,
    );
  }
}

/** Throws `INVALID_NAME` unless `alias` is a valid alias (`champion`, `challenger`, …). */
export function assertAlias(alias: string): void {
  if (!ALIAS.test(alias) || RESERVED_ALIAS.test(alias)) {
    throw new RegistryError(
      RegistryErrorCode.invalidName,
      `alias ${JSON.stringify(alias)} is invalid: use lower-case letters, digits and "_", starting with a letter; "latest" and "v<number>" are reserved`,
    );
  }
}

/** Throws `INVALID_NAME` unless `version` is a positive safe integer. */
export function assertVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new RegistryError(
      RegistryErrorCode.invalidName,
      `model version ${version} is invalid: versions are integers from 1`,
    );
  }
}

/**
 * Parses `models:/<name>@<alias>`, `models:/<name>/<version>` or `models:/<name>/latest`.
 * Throws `INVALID_MODEL_URI` with a message naming the part that is wrong.
 */
export function parseModelUri(uri: string): ModelUri {
  const fail = (problem: string): never => {
    throw new RegistryError(
      RegistryErrorCode.invalidModelUri,
      `model URI ${JSON.stringify(uri)} is invalid: ${problem} (expected models:/<name>@<alias> or models:/<name>/<version>)`,
    );
  };
  if (typeof uri !== 'string') return fail('not a string');
  if (!uri.startsWith(MODEL_URI_SCHEME)) return fail('it must start with "models:/"');
  const rest = uri.slice(MODEL_URI_SCHEME.length);
  if (rest.startsWith('/')) return fail('use one slash after "models:", as in models:/fraud-detector@champion');
  if (rest === '') return fail('the model name is missing');

  const at = rest.indexOf('@');
  const slash = rest.indexOf('/');
  if (at >= 0 && slash >= 0) return fail('give either @<alias> or /<version>, not both');

  const named = (name: string): string => {
    if (name === '') fail('the model name is missing');
    if (!MODEL_NAME.test(name)) {
      fail(`model name ${JSON.stringify(name)} must be 1–255 lower-case letters, digits, "_" or "-"`);
    }
    return name;
  };

  if (at >= 0) {
    const name = named(rest.slice(0, at));
    const alias = rest.slice(at + 1);
    if (alias === '') return fail('the alias after "@" is missing');
    if (!ALIAS.test(alias) || RESERVED_ALIAS.test(alias)) {
      return fail(
        `alias ${JSON.stringify(alias)} must be lower-case letters, digits and "_" ("latest" and "v<n>" are reserved)`,
      );
    }
    return { kind: 'alias', name, alias };
  }
  if (slash >= 0) {
    const name = named(rest.slice(0, slash));
    const version = rest.slice(slash + 1);
    if (version === '') return fail('the version after "/" is missing');
    if (version === 'latest') return { kind: 'latest', name };
    if (!/^[1-9][0-9]*$/.test(version) || !Number.isSafeInteger(Number(version))) {
      return fail(`version ${JSON.stringify(version)} must be a positive integer or "latest"`);
    }
    return { kind: 'version', name, version: Number(version) };
  }
  named(rest);
  return fail('add @<alias> or /<version> after the model name');
}

/** The canonical string form of a model URI (the inverse of {@link parseModelUri}). */
export function formatModelUri(uri: ModelUri): string {
  switch (uri.kind) {
    case 'alias':
      return `${MODEL_URI_SCHEME}${uri.name}@${uri.alias}`;
    case 'version':
      return `${MODEL_URI_SCHEME}${uri.name}/${uri.version}`;
    case 'latest':
      return `${MODEL_URI_SCHEME}${uri.name}/latest`;
  }
}

/** `models:/<name>/<version>`: the URI that names one immutable version. */
export function versionUri(name: string, version: number): string {
  return formatModelUri({ kind: 'version', name, version });
}
