#!/usr/bin/env node
// Removes the native binaries an installed production tree carries for other platforms. onnxruntime-node ships
// its CPU library for Linux, macOS and Windows on x64 and arm64 (≈ 290 MB unpacked); a process loads one of them
// (bin/napi-v6/<platform>/<arch>, ≈ 45 MB on Linux x64). Run it where the app will run — the Dockerfile's runtime
// stage, which has the image's platform — after `npm ci`; deployable.spec.ts runs it too, so the size it checks
// is what the image holds.
//
//   node keep-host-binaries.mjs [app-dir]      (default: the current directory)
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Packages whose per-platform binaries live in <package>/<dir>/<abi>/<platform>/<arch>. */
const NATIVE = [{ name: 'onnxruntime-node', dir: 'bin' }];

function sizeOf(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

const app = resolve(process.argv[2] ?? '.');
let removedBytes = 0;
const removed = [];
for (const { name, dir } of NATIVE) {
  const root = join(app, 'node_modules', name, dir);
  if (!existsSync(root)) {
    process.stderr.write(
      `keep-host-binaries: ${root} is missing: run it in an installed app directory (after npm ci)\n`,
    );
    process.exit(1);
  }
  for (const abi of readdirSync(root)) {
    const host = join(root, abi, process.platform, process.arch);
    if (!existsSync(host)) {
      process.stderr.write(
        `keep-host-binaries: ${name} has no ${process.platform}/${process.arch} binary in ${join(root, abi)}\n`,
      );
      process.exit(1);
    }
    for (const platform of readdirSync(join(root, abi))) {
      for (const arch of readdirSync(join(root, abi, platform))) {
        if (platform === process.platform && arch === process.arch) continue;
        const path = join(root, abi, platform, arch);
        removedBytes += sizeOf(path);
        rmSync(path, { recursive: true, force: true });
        removed.push(`${name}/${dir}/${abi}/${platform}/${arch}`);
      }
      if (readdirSync(join(root, abi, platform)).length === 0) rmSync(join(root, abi, platform), { recursive: true });
    }
  }
}
process.stdout.write(
  `keep-host-binaries: kept ${process.platform}/${process.arch}; removed ${(removedBytes / 1e6).toFixed(0)} MB (${removed.join(', ') || 'nothing'})\n`,
);
