/** The files layer: see docs/ARCHITECTURE.md. */
export * from './container';
export * from './containerStream';
export * from './traceReader';
