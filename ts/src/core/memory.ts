// WASM memory as the engine sees it: whether a request's arrays fit before anything is
// copied (`checkRoom`), and what a trap of the instance — out of memory or a bug — is called.
import { DiaboloError } from '../base/errors.js';
import { checkWasmArray } from '../data/matrix.js';
import type { SizedArray } from './calls.js';
import type { GlueModule } from './wasm.js';

/** wasm32 linear memory: at most 4 GiB. */
const MAX_MEMORY_MIB = 4096;

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** Rows as a count for size estimates (a malformed one is left for the core to refuse). */
export const count = (rows: number) => (Number.isSafeInteger(rows) && rows > 0 ? rows : 0);

/** An array of `rows × cols` values of `bytes` each, named with its shape: one entry of a room check. */
export const array = (name: string, rows: number, cols: number, bytes = 4): SizedArray => [
  `${name} [${rows} × ${cols}]`,
  count(rows) * cols * bytes,
];

/**
 * Refuse, before anything is allocated, a request whose arrays in WASM memory — what it
 * passes in and what it returns, each named with its size — `glue`'s instance could not hold
 * now: one of them of 2 GiB or more, or all of them together beyond what memory can still give.
 */
export function checkRoom(glue: GlueModule, what: string, arrays: ReadonlyArray<SizedArray>): void {
  let bytes = 0;
  for (const [name, size] of arrays) {
    checkWasmArray(`${what}: ${name}`, size);
    bytes += size;
  }
  if (!glue.canAllocate(bytes)) {
    throw new DiaboloError(
      'E_MEMORY',
      `${what}: ${mib(bytes)} MiB do not fit in WASM memory now (${mib(glue.memoryBytes())} MiB in use of at most ${MAX_MEMORY_MIB} MiB); nothing was changed — dispose models or datasets no longer needed, or pass smaller pieces`,
    );
  }
}

/**
 * The fatal error of a trap of `glue`'s instance (a Rust panic, or an allocation failure,
 * which aborts): `E_MEMORY` naming the allocation that failed, else `E_INTERNAL`.
 */
export function trapError(glue: GlueModule, trap: Error): DiaboloError {
  let failedBytes = 0;
  let memory = 0;
  try {
    failedBytes = glue.lastAllocationFailure();
    memory = glue.memoryBytes();
  } catch {
    // The instance may be past answering; the message then says less.
  }
  const lost = "this engine's models and datasets are lost: create them again, or load them from a saved model file";
  return failedBytes > 0
    ? new DiaboloError(
        'E_MEMORY',
        `the WASM core ran out of memory (an allocation of ${mib(failedBytes)} MiB failed; WASM memory ${mib(memory)} of at most ${MAX_MEMORY_MIB} MiB); ${lost}`,
        true,
      )
    : new DiaboloError('E_INTERNAL', `the WASM core trapped (${trap.message}); ${lost}`, true);
}
