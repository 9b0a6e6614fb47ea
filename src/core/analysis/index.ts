/** The analysis layer: see docs/ARCHITECTURE.md. */
export * from './analyze';
export * from './findings';
export * from './findingsRun';
export * from './processSites';
export * from './sharedMemory';
export * from './verdict';
