/** The model layer: see docs/ARCHITECTURE.md. */
export * from './model';
export * from './modelMessages';
export * from './modelProcesses';
export * from './modelTasks';
export * from './modelTypes';
export * from './taskJoin';
export * from './taskPatch';
export * from './taskTable';
