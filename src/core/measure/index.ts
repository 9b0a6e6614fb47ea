/** The measure layer: see docs/ARCHITECTURE.md. */
export * from './callSites';
export * from './measureTasks';
export * from './metrics';
export * from './signals';
export * from './siteAnalysis';
export * from './stats';
export * from './workloadColumns';
