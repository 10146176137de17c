import { ClientErrorCode, DatabricksConfigError } from './errors.js';

/** A workspace address as REST and SQL both use it. */
export interface WorkspaceHost {
  /** `<scheme>://<host>[:port]`: no path, no query, no trailing `/`, no `:443`. REST calls go to `<url>/api/…`. */
  url: string;
  /** `https` or `http` (http only makes sense for a local emulator). */
  scheme: 'https' | 'http';
  /** Host name without brackets or port. */
  hostname: string;
  /** The port in the URL; undefined for the scheme's default. */
  port?: number;
  /** The workspace id of a URL pasted from the browser (`…/?o=1234567890`). */
  workspaceId?: string;
}

/**
 * Normalises a host like the Go SDK (`fixHostIfNeeded`): `https://` is added when no scheme is given, only scheme
 * and host are kept (a path such as `/login` and the query are dropped), `:443` is dropped, and `?o=<id>` is read
 * as the workspace id. `from` names where the value came from, for the error message.
 */
export function parseWorkspaceHost(raw: string, from: string): WorkspaceHost {
  const text = raw.trim();
  // `abc.def.ghi:443` has no `//`: like Go's url.Parse, a value without an authority gets `https://`.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new DatabricksConfigError(ClientErrorCode.configInvalid, `The host "${text}" (${from}) is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DatabricksConfigError(
      ClientErrorCode.configInvalid,
      `The host "${text}" (${from}) must be an https:// URL (http:// only for a local emulator).`,
    );
  }
  if (url.hostname === '') {
    throw new DatabricksConfigError(ClientErrorCode.configInvalid, `The host "${text}" (${from}) names no host.`);
  }
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port === '' || url.port === '443' ? undefined : Number(url.port);
  const authority = port === undefined ? url.hostname : `${url.hostname}:${port}`;
  const workspaceId = url.searchParams.get('o')?.trim();
  return {
    url: `${scheme}://${authority}`,
    scheme,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(port === undefined ? {} : { port }),
    ...(workspaceId && /^\d+$/.test(workspaceId) ? { workspaceId } : {}),
  };
}

/** `adb-1.azuredatabricks.net/` → `https://adb-1.azuredatabricks.net`; see {@link parseWorkspaceHost}. */
export function normaliseHost(host: string, from: string): string {
  return parseWorkspaceHost(host, from).url;
}
