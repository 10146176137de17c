import type { MappedError } from '@fraudops/cli';
import { DatabricksError } from '@fraudops/databricks';

/**
 * What to do about a Databricks error when syncing a Git folder, added to its message. The exit code is the
 * shared table's (`@fraudops/cli`); this only words the advice, by the error's stable code.
 */
export function syncAdvice(mapped: MappedError, error: unknown): string {
  if (!(error instanceof DatabricksError)) return mapped.message;
  const status = error.status;
  switch (error.code) {
    case 'GIT_UNKNOWN_REF':
      return `${mapped.message} Push the branch or tag first, or check its name.`;
    case 'GIT_CONFLICT':
    case 'RESOURCE_CONFLICT':
      return `${mapped.message} Commit or discard the changes in the workspace, or rerun with --force-discard to throw them away.`;
    case 'NETWORK_ERROR':
      return `${mapped.message} Check DATABRICKS_HOST and the network, then retry.`;
    case 'GIT_REMOTE_ERROR':
      return `${mapped.message} Check the repository URL and the workspace's Git credentials for it.`;
  }
  if (status === 401 || status === 403) {
    const what = status === 401 ? 'did not accept the credentials' : 'refused the request';
    return (
      `The workspace ${what} (${status}: ${mapped.message}). Check DATABRICKS_TOKEN or the profile's token ` +
      '(it may have expired), and that this identity may manage the Git folder.'
    );
  }
  return mapped.message;
}
