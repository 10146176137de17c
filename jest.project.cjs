// One Jest configuration for every project: each project's jest.config.cts is a single call of this
// factory (Nx's jest plugin still finds the project by that file). The shared behaviour lives in
// jest.preset.js (module mapping, ESM packages, export conditions, timeout); this file adds the swc
// transform and the per-project choices.

// swc compiles the spec files (TypeScript, ES modules with decorators) for Jest's CommonJS runtime.
const SWC = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
    transform: { decoratorMetadata: true, legacyDecorator: true },
    keepClassNames: true,
    externalHelpers: true,
    loose: true,
  },
  module: { type: 'es6' },
  sourceMaps: true,
  exclude: [],
  // the options are passed here in full: no .swcrc look-up
  swcrc: false,
};

/**
 * @param {object} project
 * @param {string} project.name  the project's Nx name (Jest's displayName)
 * @param {boolean} [project.onnxruntime]  the tests call onnxruntime-node, which checks typed arrays against
 *   Node's own realm: use jest.environment.cjs (see the file) instead of Jest's realm
 */
module.exports = function jestProjectConfig({ name, onnxruntime = false }) {
  return {
    displayName: name,
    preset: '../../jest.preset.js',
    ...(onnxruntime ? { testEnvironment: '<rootDir>/../../jest.environment.cjs' } : {}),
    transform: { '^.+\\.[tj]s$': ['@swc/jest', { ...SWC }] },
    moduleFileExtensions: ['ts', 'js', 'html'],
    coverageDirectory: 'test-output/jest/coverage',
  };
};
