/** The whatif layer: see docs/ARCHITECTURE.md. */
export * from './poolSim';
export * from './sweep';
export * from './sweepFormat';
export * from './whatIf';
