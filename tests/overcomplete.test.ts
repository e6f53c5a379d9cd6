// The lecture's overcomplete claim on a small MNIST sample, through the protocol of
// `bench:papers --only overcomplete` (bench/overcomplete.mjs): a 784-1024 sigmoid autoencoder
// trained by SGD with early stopping, judged by classifiers against the raw pixels and an
// untrained network of the same shape and seed. Seeded: these are the same numbers every run.
import { describe, expect, it } from 'vitest';
import { overcompleteClaim, verdict } from '../bench/overcomplete.mjs';
import { loadMnist } from '../dist/index.node.js';

describe("the lecture's overcomplete claim", () => {
  it('holds for pretraining then fine-tuning, and not for a softmax on the frozen codes', async () => {
    const train = loadMnist({ split: 'train', limit: 3000 });
    const test = loadMnist({ split: 'test', limit: 1000 });
    const r = await overcompleteClaim({ train, test, units: 1024, aeEpochs: 5, probeEpochs: 10, seed: 1 });
    const report = JSON.stringify(r);
    // Fine-tuned from the autoencoder's encoder: fewer test errors than the same network
    // fine-tuned from its untrained weights, and than a softmax on the pixels.
    expect(r.codesTuned, report).toBeLessThan(r.untrainedTuned);
    expect(r.codesTuned, report).toBeLessThan(r.pixels);
    // Frozen: the codes beat the untrained network's random features, but not the pixels
    // (the README says so, with the bench's figures).
    expect(r.codesFrozen, report).toBeLessThan(r.untrainedFrozen);
    expect(r.codesFrozen, report).toBeGreaterThan(r.pixels);
    expect(verdict(r)).toEqual({ frozen: false, fineTuned: true });
    // The autoencoder trained (SGD, early stopping watched the validation loss).
    expect(r.autoencoder.epochsRun).toBeGreaterThanOrEqual(1);
    expect(r.autoencoder.bestEpoch).toBeLessThanOrEqual(r.autoencoder.epochsRun);
  }, 300_000);
});
