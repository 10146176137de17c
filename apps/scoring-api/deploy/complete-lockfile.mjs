#!/usr/bin/env node
// Gives every registry package of a pruned lock file its download URL (`resolved`), so that `npm ci` in the
// pruned folder can install from the npm cache alone (`--offline`): without it npm must ask the registry for
// each package's metadata to find the tarball. The workspace's lock omits `resolved` for registry packages;
// their tarballs are at the registry's standard path, <registry>/<name>/-/<basename>-<version>.tgz, and the
// `integrity` already in the lock pins their content. Idempotent.
//
//   node apps/scoring-api/deploy/complete-lockfile.mjs apps/scoring-api/dist/package-lock.json [--registry URL]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { registry: { type: 'string', default: 'https://registry.npmjs.org' } },
});
const [lockPath] = positionals;
if (!lockPath) {
  process.stderr.write('usage: complete-lockfile.mjs <package-lock.json> [--registry URL]\n');
  process.exit(2);
}
const registry = values.registry.replace(/\/+$/, '');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
let added = 0;
const missing = [];
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  // the root, workspace links and folders (file:) are not downloaded
  if (path === '' || entry.link || !path.includes('node_modules/') || entry.resolved) continue;
  const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  if (!entry.version || !entry.integrity) {
    missing.push(path);
    continue;
  }
  const basename = name.startsWith('@') ? name.split('/')[1] : name;
  entry.resolved = `${registry}/${name}/-/${basename}-${entry.version}.tgz`;
  added++;
}
if (missing.length > 0) {
  process.stderr.write(`complete-lockfile: no version or integrity for ${missing.join(', ')} in ${lockPath}\n`);
  process.exit(1);
}
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`complete-lockfile: ${added} download URLs added to ${lockPath}\n`);
