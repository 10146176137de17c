/** The fraudops release this client ships with; sent in every `User-Agent` (a test keeps it in step). */
export const FRAUDOPS_VERSION = '0.1.0';

export function userAgent(authKind: string, product?: string): string {
  const parts = [
    `fraudops/${FRAUDOPS_VERSION}`,
    ...(product ? [product] : []),
    `node/${process.versions.node}`,
    `os/${process.platform}`,
    `auth/${authKind}`,
  ];
  return parts.join(' ');
}
