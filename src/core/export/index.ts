/** The export layer: see docs/ARCHITECTURE.md. */
export * from './chromeTrace';
export * from './htmlReport';
export * from './htmlReportView';
export * from './reportLanes';
