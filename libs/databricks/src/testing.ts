// `@fraudops/databricks/testing`: helpers for other projects' specs. Production code imports the library's
// index only; nothing here is part of it.
export {
  authConformanceCases,
  CONFORMANCE_STAGING_SUBJECT,
  startConformanceEmulator,
  type AuthConformanceCase,
  type ConformanceEmulator,
  type ConformanceEmulatorOptions,
} from './auth-conformance-harness.js';
