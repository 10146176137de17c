const { readFileSync } = require('fs');

// Reading the SWC compilation config for the spec files
const swcJestConfig = JSON.parse(readFileSync(`${__dirname}/.spec.swcrc`, 'utf-8'));

// Disable .swcrc look-up by SWC core because we're passing in swcJestConfig ourselves
swcJestConfig.swcrc = false;

// vega and vega-lite (the HTML report's charts) are ES modules, as are the d3 and helper packages they
// import; Jest runs CommonJS, so swc transforms them too. vega-canvas's Node build probes for the optional
// `canvas` package with a top-level await, which CommonJS cannot express: its browser build (no canvas,
// the same SVG output) stands in.
const ESM_PACKAGES = [
  'vega',
  'vega-[^/]+',
  'd3-[^/]+',
  'internmap',
  'delaunator',
  'robust-predicates',
  'json-stringify-pretty-compact',
  'topojson-client',
];

module.exports = {
  displayName: 'evaluation',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['@swc/jest', swcJestConfig],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  moduleNameMapper: {
    // the preset's mapping (relative `.js` imports → TypeScript sources), repeated: this object replaces it
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^vega-canvas$': '<rootDir>/../../node_modules/vega-canvas/build/vega-canvas.browser.js',
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: 'test-output/jest/coverage',
};
