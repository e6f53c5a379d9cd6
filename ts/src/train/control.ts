import { aborted } from './pieces.js';

/**
 * Pause and resume a running `fit` from outside. Training stops at the next minibatch
 * boundary (with `onBatchEnd` or `signal`) or epoch boundary, keeping its state, and goes on
 * after `resume()`; an abort while paused rejects at once.
 *
 * ```ts
 * const control = new TrainingControl();
 * const run = ae.fit(x, { epochs: 50, control });
 * control.pause(); … control.resume();
 * await run;
 * ```
 */
export class TrainingControl {
  private waiting: Array<() => void> = [];
  private isPaused = false;

  /** Whether {@link pause} was called without a {@link resume} since. */
  get paused(): boolean {
    return this.isPaused;
  }

  /** Pause training at the next boundary (see above). */
  pause(): void {
    this.isPaused = true;
  }

  /** Let a paused training go on. */
  resume(): void {
    this.isPaused = false;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** @internal Resolves when not paused; rejects if `signal` aborts meanwhile. */
  waitWhilePaused(signal?: AbortSignal): Promise<void> {
    if (!this.isPaused) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(aborted(signal as AbortSignal));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}
