// The data-parallel replicas' barrier: a reusable meeting point on shared memory (an Int32Array
// control block), with a failure flag so that one replica's error releases the others.
import { DiaboloError } from '../base/errors.js';

/** Cells of the replicas' control block (an Int32Array on shared memory). */
const ARRIVED = 0;
const GENERATION = 1;
const FAILED = 2;
/** How long a replica waits for the others before it gives up on them. */
const BARRIER_TIMEOUT_MS = 120_000;

/** Tell the other replicas that this one (or its worker) has failed: they stop waiting. */
export function markReplicaFailed(control: Int32Array): void {
  Atomics.store(control, FAILED, 1);
  Atomics.notify(control, GENERATION);
}

/** A reusable barrier: returns once `replicas` callers have arrived. */
export function awaitReplicas(control: Int32Array, replicas: number): void {
  const generation = Atomics.load(control, GENERATION);
  if (Atomics.add(control, ARRIVED, 1) === replicas - 1) {
    Atomics.store(control, ARRIVED, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    return;
  }
  const deadline = performance.now() + BARRIER_TIMEOUT_MS;
  while (Atomics.load(control, GENERATION) === generation) {
    if (Atomics.load(control, FAILED) !== 0) {
      throw new DiaboloError('E_WORKER', 'another replica of data-parallel training failed; this step was not applied');
    }
    if (performance.now() > deadline) {
      markReplicaFailed(control);
      throw new DiaboloError(
        'E_WORKER',
        `a replica of data-parallel training did not answer within ${BARRIER_TIMEOUT_MS / 1000} s`,
      );
    }
    Atomics.wait(control, GENERATION, generation, 100);
  }
}
