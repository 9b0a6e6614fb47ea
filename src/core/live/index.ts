/** The live layer: see docs/ARCHITECTURE.md. */
export * from './chanSlots';
export * from './containerModel';
export * from './liveRows';
export * from './setAside';
export * from './streamJoin';
export * from './streamModel';
export * from './streamOrigin';
