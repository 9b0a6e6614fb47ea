/** The trace layer: see docs/ARCHITECTURE.md. */
export * from './format';
export * from './metaFields';
export * from './recordParser';
export * from './records';
