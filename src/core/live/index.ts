/** The live layer: see docs/ARCHITECTURE.md. */
export * from './joinChanSlots';
export * from './joinOrigin';
export * from './joinSetAside';
export * from './liveRows';
export * from './streamJoin';
export * from './streamModel';
export * from './traceFileModel';
