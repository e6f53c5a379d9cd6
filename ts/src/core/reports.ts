// What the binding reports, read by name. Loss terms cross the boundary as glue objects with
// one getter per term (`LossTerms`, `EpochReport`, … in crates/diabolo-wasm/src/reports.rs);
// these helpers copy them into plain objects and free the glue objects (their memory is in
// WASM). Nothing here reads a term by position.
import type { LossTermValues } from '../base/types.js';

/** Every loss term (a record over them all: a term added to LossTermValues and not here fails to compile). */
const TERMS: Record<keyof LossTermValues, true> = {
  reconstruction: true,
  sparsity: true,
  contractive: true,
  kl: true,
  l2: true,
  total: true,
};
/** Every loss term by name, in the order messages and tables list them. */
export const LOSS_TERMS = Object.keys(TERMS) as readonly (keyof LossTermValues)[];

/** Something the binding returned that lives in WASM memory until freed. */
export interface Freeable {
  free(): void;
}

/** Read what is needed of a glue object, then free it. */
export function take<T extends Freeable, R>(value: T, read: (value: T) => R): R {
  try {
    return read(value);
  } finally {
    value.free();
  }
}

/** A plain copy of loss terms, read by name. */
export function termsOf(t: Readonly<LossTermValues>): LossTermValues {
  const out = {} as LossTermValues;
  for (const k of LOSS_TERMS) out[k] = t[k];
  return out;
}

/** The terms of a glue `LossTerms` object by name; the object is freed. */
export function takeTerms(t: Readonly<LossTermValues> & Freeable): LossTermValues {
  return take(t, termsOf);
}

/** All terms zero: the start of a sum. */
export function zeroTerms(): LossTermValues {
  const out = {} as LossTermValues;
  for (const k of LOSS_TERMS) out[k] = 0;
  return out;
}

/** `into += from × weight`, term by term. */
export function addScaledTerms(into: LossTermValues, from: Readonly<LossTermValues>, weight: number): void {
  for (const k of LOSS_TERMS) into[k] += from[k] * weight;
}
