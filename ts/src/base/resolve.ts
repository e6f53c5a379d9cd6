// Field resolvers shared by configuration and option resolution: each returns the value as
// its type, or throws E_INVALID naming the field, the value and what was expected.
import { invalid } from './check.js';

export function int(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw invalid(field, v, `an integer in [${min}, ${max}]`);
  }
  return v;
}

export function num(field: string, v: unknown, ok: (x: number) => boolean, expected: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw invalid(field, v, expected);
  return v;
}

export function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw invalid(field, v, `one of ${allowed.join(', ')}`);
  return v as T;
}

export function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalid(field, v, 'true or false');
  return v;
}

export function plainObject(field: string, v: unknown, keys: ReadonlySet<string>): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(field, v, 'an object');
  for (const key of Object.keys(v)) {
    if (!keys.has(key)) throw invalid(`${field}.${key}`, '(unknown key)', `only ${[...keys].join(', ')}`);
  }
  return v as Record<string, unknown>;
}

export const nonNegative = (x: number) => x >= 0;
