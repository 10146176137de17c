import { runBenchCli } from './cli.js';
import { suites } from './suites/index.js';
import { errorMessage } from '@fraudops/core';

runBenchCli(process.argv.slice(2), suites, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${errorMessage(error, { stack: true })}\n`);
    process.exitCode = 1;
  },
);
