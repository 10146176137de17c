import type { z } from 'zod';
import { RegistryError, RegistryErrorCode } from './errors.js';

/** `path: problem` for each zod issue (the first eight), as one line for an error message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .concat(error.issues.length > 8 ? [`… and ${error.issues.length - 8} more`] : [])
    .join('; ');
}

/**
 * Parses a stored JSON file (text, or a value already parsed) against its schema. Anything wrong is
 * `ARTIFACT_CORRUPT` naming the file (`source`) and every bad field; `what` says what it should have been.
 */
export function parseStoredJson<S extends z.ZodType>(
  content: string | unknown,
  source: string,
  schema: S,
  what: string,
): z.infer<S> {
  let value = content;
  if (typeof content === 'string') {
    try {
      value = JSON.parse(content);
    } catch (error) {
      throw new RegistryError(
        RegistryErrorCode.artifactCorrupt,
        `${source} is not valid JSON: ${(error as Error).message}`,
        {
          path: source,
          cause: error,
        },
      );
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new RegistryError(
      RegistryErrorCode.artifactCorrupt,
      `${source} is not ${what}: ${describeIssues(result.error)}`,
      { path: source },
    );
  }
  return result.data;
}
