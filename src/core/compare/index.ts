/** The compare layer: see docs/ARCHITECTURE.md. */
export * from './compare';
export * from './compareFormat';
