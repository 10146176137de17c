const { readFileSync } = require('fs')

// Reading the SWC compilation config for the spec files
const swcJestConfig = JSON.parse(
  readFileSync(`${__dirname}/.spec.swcrc`, 'utf-8')
);

// Disable .swcrc look-up by SWC core because we're passing in swcJestConfig ourselves
swcJestConfig.swcrc = false;

module.exports = {
  displayName: 'databricks-emulator',
  preset: '../../jest.preset.js',
  transform: {
    '^.+\\.[tj]s$': ['@swc/jest', swcJestConfig]
  },
  // `thrift` (under @databricks/sql) requires uuid 13, which is ESM-only: let swc compile it for Jest's CommonJS
  // runtime. The pattern ignores node_modules files unless the innermost package is uuid.
  transformIgnorePatterns: ['/node_modules/(?!uuid/)(?:@[^/]+/)?[^/]+/(?!.*node_modules/)'],
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: 'test-output/jest/coverage'
};
