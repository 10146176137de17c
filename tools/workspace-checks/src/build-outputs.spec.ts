import { loadProjectGraph } from './workspace.js';

interface Target {
  executor?: string;
  options?: { skipTypeCheck?: boolean; declaration?: boolean; outputPath?: string };
  outputs?: string[];
}

describe('build outputs of different targets never share a tsbuildinfo or a folder', () => {
  const graph = loadProjectGraph().graph;
  const targetsOf = (name: string) => (graph.nodes[name].data.targets ?? {}) as Record<string, Target>;

  it('app bundles (esbuild) leave type checking to the typecheck target, so they write no tsbuildinfo', () => {
    // With a composite tsconfig, @nx/esbuild would type-check and write an empty out-tsc/app tsbuildinfo that
    // `tsc --build` (typecheck) then takes for an up-to-date project without declarations (TS6305).
    const bundles = Object.keys(graph.nodes).filter(
      (name) => targetsOf(name)['build']?.executor === '@nx/esbuild:esbuild',
    );
    expect(bundles.sort()).toEqual(['scoring-api', 'sync-cli', 'trainer']);
    for (const name of bundles) {
      const { skipTypeCheck, declaration } = targetsOf(name)['build'].options ?? {};
      expect({ name, skipTypeCheck, declaration }).toEqual({ name, skipTypeCheck: true, declaration: false });
    }
  });

  // A library's typecheck (`tsc --build --emitDeclarationOnly`) and build (`tsc --build tsconfig.lib.json`) are
  // one incremental TypeScript build of the same config: the compiler records the pending JavaScript emit in
  // that one tsbuildinfo, so sharing it is by design. Any other shared output is a bug like the one above.
  const sharedByDesign = (output: string, targets: string[]) =>
    output.endsWith('/dist/tsconfig.lib.tsbuildinfo') && targets.sort().join() === 'build,typecheck';

  it('no two targets of a project declare the same output', () => {
    for (const name of Object.keys(graph.nodes)) {
      const seen = new Map<string, string>();
      for (const [target, config] of Object.entries(targetsOf(name))) {
        for (const output of config.outputs ?? []) {
          const resolved = output.replace('{options.outputPath}', config.options?.outputPath ?? '?');
          const other = seen.get(resolved);
          if (
            other &&
            !/^(prune|prune-lockfile|copy-workspace-modules)$/.test(target) &&
            !sharedByDesign(resolved, [other, target])
          ) {
            expect({ name, output: resolved, targets: [other, target] }).toEqual({
              name,
              output: resolved,
              targets: [other],
            });
          }
          seen.set(resolved, target);
        }
      }
    }
  });
});
