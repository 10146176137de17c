import type { Config } from 'jest';

/** The Jest configuration of one workspace project (see jest.project.cjs). */
declare function jestProjectConfig(project: { name: string; onnxruntime?: boolean }): Config;
export = jestProjectConfig;
