#!/usr/bin/env node
// First step of `npm test`: the reference tests compare against Debian's Python packages and render reports
// in Chromium. Missing ones are installed when this machine can (root with apt-get, as in CI); otherwise
// this stops within seconds naming the exact command, instead of letting a test fail deep inside with a
// raw ENOENT or ModuleNotFoundError.
//
//   node tools/workspace-checks/bin/system-packages.mjs            check, install when root with apt-get
//   node tools/workspace-checks/bin/system-packages.mjs --check    check only, never install
//
// FRAUDOPS_PYTHON and FRAUDOPS_CHROMIUM point the tests (and this check) at other interpreters or browsers.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const python = process.env.FRAUDOPS_PYTHON ?? '/usr/bin/python3';
const chromium = process.env.FRAUDOPS_CHROMIUM ?? '/usr/bin/chromium';

/** What the tests use, how to see that it works, and the Debian package that provides it. */
const requirements = [
  { what: 'git', debian: 'git', works: () => runs('git', ['--version']) },
  ...['numpy', 'scipy', 'pandas', 'sklearn', 'xgboost', 'onnx', 'yaml'].map((module) => ({
    what: `Python module ${module} for ${python}`,
    debian: module === 'sklearn' ? 'python3-sklearn' : `python3-${module}`,
    works: () => runs(python, ['-c', `import ${module}`]),
  })),
  { what: `Chromium at ${chromium}`, debian: 'chromium', works: () => executable(chromium) },
  { what: 'redis-server', debian: 'redis-server', works: () => runs('redis-server', ['--version']) },
];

function runs(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function missing() {
  return requirements.filter((requirement) => !requirement.works());
}

const checkOnly = process.argv.includes('--check');
let absent = missing();
if (absent.length === 0) process.exit(0);

const packages = [...new Set(absent.map((requirement) => requirement.debian))];
const command = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = runs('apt-get', ['--version']);
// A custom FRAUDOPS_PYTHON or FRAUDOPS_CHROMIUM is the user's own: apt can't fix that one.
const aptCanFix = python === '/usr/bin/python3' && chromium === '/usr/bin/chromium';

if (!checkOnly && isRoot && hasApt && aptCanFix) {
  console.error(`system packages: installing ${packages.join(' ')} (used by the reference tests)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...packages],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0) {
      console.error(`system packages: \`apt-get ${args.join(' ')}\` failed (exit ${result.status}).`);
      process.exit(1);
    }
  }
  absent = missing();
  if (absent.length === 0) process.exit(0);
}

console.error('npm test needs system packages that this machine lacks:');
for (const requirement of absent)
  console.error(`  - ${requirement.what} (Debian/Ubuntu package ${requirement.debian})`);
console.error(`Install them with:\n  ${isRoot ? '' : 'sudo '}${command}`);
if (!aptCanFix)
  console.error('or point FRAUDOPS_PYTHON / FRAUDOPS_CHROMIUM at an interpreter or browser that has them.');
process.exit(1);
