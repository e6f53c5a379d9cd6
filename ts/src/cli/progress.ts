import { SingleBar } from 'cli-progress';
import type { BatchProgress } from '../base/types.js';

/**
 * Progress of a training run on the terminal (npm `cli-progress`): one bar per epoch that
 * fills minibatch by minibatch with the live loss, then a plain line with the epoch's
 * summary. Where stdout is not a terminal (logs, CI, tests) only the lines are printed.
 */
export class TrainingProgress {
  private readonly bar = new SingleBar({
    format: '{label} [{bar}] {value}/{total} minibatches  loss {loss}',
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stdout,
  });
  private active = false;

  constructor(private readonly label: (p: { epoch: number; epochs: number }) => string) {}

  /** For `FitOptions.onBatchEnd`. */
  readonly onBatchEnd = (p: BatchProgress): void => {
    if (!process.stdout.isTTY) return;
    const payload = { label: this.label(p), loss: p.loss.toFixed(4) };
    if (!this.active) {
      this.bar.start(p.batches, p.batch, payload);
      this.active = true;
    } else this.bar.update(p.batch, payload);
  };

  /** Close the epoch's bar and print the epoch's summary in its place. */
  epochDone(summary: string): void {
    if (this.active) {
      this.bar.stop();
      this.active = false;
    }
    console.log(summary);
  }
}
