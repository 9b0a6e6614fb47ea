/** The trace layer: see docs/ARCHITECTURE.md. */
export * from './container';
export * from './containerStream';
export * from './format';
export * from './metaFields';
export * from './recordParser';
export * from './records';
export * from './traceReader';
