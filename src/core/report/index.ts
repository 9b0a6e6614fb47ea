/** The report layer: see docs/ARCHITECTURE.md. */
export * from './report';
export * from './thresholds';
export * from './units';
export * from './whatIfText';
