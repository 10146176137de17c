// Shared Jest settings: jest.project.cjs and jest.preset.js at the workspace root.
module.exports = require('../../jest.project.cjs')({ name: 'features-sql' });
