const nxPreset = require('@nx/jest/preset').default;

// Libraries are ES modules whose relative imports carry `.js` extensions (NodeNext); Jest runs the
// swc-transformed TypeScript sources, so strip the extension and resolve workspace packages to their
// sources through the custom export condition declared in tsconfig.base.json.
module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironmentOptions: { customExportConditions: ['@fraudops/source', 'node', 'require', 'default'] },
  testTimeout: 60_000,
};
