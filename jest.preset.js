const nxPreset = require('@nx/jest/preset').default;

// ESM-only npm packages that Jest (CommonJS mode) must transform with swc: vega and its d3 modules (the
// evaluation reports), uuid (under the Databricks SQL driver's thrift).
const ESM_PACKAGES = [
  'vega',
  'vega-[^/]+',
  'd3-[^/]+',
  'internmap',
  'delaunator',
  'robust-predicates',
  'json-stringify-pretty-compact',
  'topojson-client',
  'uuid',
];

// Libraries are ES modules whose relative imports carry `.js` extensions (NodeNext); Jest runs the
// swc-transformed TypeScript sources, so strip the extension and resolve workspace packages to their
// sources through the custom export condition declared in tsconfig.base.json.
module.exports = {
  ...nxPreset,
  // Projects whose tests call onnxruntime-node (modeling, trainer, scoring-api) use
  // `${__dirname}/jest.environment.cjs` instead (`onnxruntime: true` in jest.project.cjs, the factory every
  // project's jest.config.cts calls), which shares Node's typed-array constructors with the tests;
  // the others keep Jest's own realm (the SQL warehouse's TLS and Arrow code relies on it).
  testEnvironment: 'node',
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // vega-canvas's Node build probes for the optional `canvas` package with a top-level await, which
    // CommonJS cannot express; its browser build (no canvas, the same SVG output) stands in.
    '^vega-canvas$': `${__dirname}/node_modules/vega-canvas/build/vega-canvas.browser.js`,
  },
  // Ignore a node_modules file unless its INNERMOST package is listed: uuid sits nested under thrift
  // (node_modules/thrift/node_modules/uuid), which a pattern on the first node_modules segment never reaches.
  transformIgnorePatterns: [`/node_modules/(?!(?:${ESM_PACKAGES.join('|')})/)(?:@[^/]+/)?[^/]+/(?!.*node_modules/)`],
  testEnvironmentOptions: { customExportConditions: ['@fraudops/source', 'node', 'require', 'default'] },
  // A deadline per test, not a speed requirement: end-to-end tests (HTTP fuzzing, hot swaps under load, training
  // runs) take a minute on an idle 2-core machine and several under CI with other jobs or stress-ng; a test
  // that hangs still fails, after 4 minutes. Longer work sets its own deadline next to the test.
  testTimeout: 240_000,
};
