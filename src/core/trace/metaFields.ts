/** Typed reads of META JSON fields: a field of the wrong type reads as absent. */

export type MetaData = Record<string, unknown>;

export function num(data: MetaData, key: string): number | null {
  const v = data[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function str(data: MetaData, key: string): string | null {
  const v = data[key];
  return typeof v === 'string' ? v : null;
}

export function strList(data: MetaData, key: string): string[] {
  const v = data[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function obj(data: MetaData, key: string): Record<string, unknown> {
  const v = data[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
