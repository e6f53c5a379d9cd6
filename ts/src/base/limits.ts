// Limits of the core, each defined once on this side. The facade checks them before any
// work, with messages naming the argument; the core and its binding check them again (they
// never trust their caller). tests/boundary.test.ts compares each value with the one the
// binding reports (`coreLimits()`, crates/diabolo-wasm/src/diagnostics.rs).

/** Widest layer: input size, units, latent size, classes (`diabolo_core` spec's `MAX_UNITS`). */
export const MAX_UNITS = 65536;

/** Largest seed: 2^53 − 1, the largest integer a JS number holds exactly (the binding's `MAX_SEED`). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** What a seed must be, as every seed error says it (the binding's own errors say the same). */
export const SEED_RANGE = 'an integer in [0, 2^53 − 1]';

/**
 * u32 words of a model's training state header: the step and the RNG state, laid out by the
 * binding (crates/diabolo-wasm/src/train_header.rs) and stored as they are in model files.
 */
export const TRAIN_HEADER_WORDS = 10;

/** Most WASM memory one model may take: parameters, gradients and two optimizer moments (the core spec's `MAX_MODEL_BYTES`). */
export const MAX_MODEL_BYTES = 3 * 2 ** 30;

/** Bytes a model keeps per parameter: value, gradient, two optimizer moments (the core spec's `BYTES_PER_PARAMETER`). */
export const BYTES_PER_PARAMETER = 16;

/** Samples the core evaluates at once (`EVAL_CHUNK_ROWS`): its per-chunk evaluation buffers scale with this. */
export const EVAL_CHUNK_ROWS = 256;
