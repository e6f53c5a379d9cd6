// The lecture's overcomplete claim, measured: "an overcomplete nonlinear autoencoder trained
// by SGD (with early stopping) learns a useful representation, judged by the errors of a
// classifier fed with it". One protocol, used by `bench:papers --only overcomplete` (MNIST)
// and by tests/overcomplete.test.ts (smaller), through the public API only:
// - the autoencoder: `inputs`-`units` sigmoid (units > inputs), MSE, plain SGD (lr 0.1,
//   batch 20), 10% of the training rows held out for early stopping on the validation
//   reconstruction loss (patience 3);
// - "useful" judged two ways, each against the raw pixels and against an untrained network of
//   the same shape and seed (the baseline the claim has to beat, since random sigmoid
//   features are already a representation):
//   1. frozen codes: a softmax trained on the codes (the encoder fixed);
//   2. pretraining then supervised fine-tuning of every layer (Bengio et al. 2007, "Greedy
//      layer-wise training of deep networks"): the same classifier network started from the
//      autoencoder's encoder or from the untrained one.
// Every classifier gets the same optimizer, epochs and batch size; only the test error is
// reported, once, at the end.
import { Autoencoder, Classifier } from '../dist/index.node.js';

/**
 * Run the protocol. `train`/`test`: labelled matrices; `units`: hidden width (> inputs);
 * `aeEpochs`: the autoencoder's epoch budget (early stopping may end it sooner);
 * `probeEpochs`, `probeLearningRate`: training of every classifier (Adam); `seed`. Returns test errors (fractions) and
 * what the autoencoder's training did.
 */
export async function overcompleteClaim({
  train,
  test,
  units,
  aeEpochs,
  probeEpochs,
  probeLearningRate = 1e-3,
  seed = 1,
  backend = 'inline',
}) {
  if (!(units > train.cols)) throw new Error(`units ${units}: expected more than the ${train.cols} inputs`);
  const runtime = { backend };
  const probe = { epochs: probeEpochs, batchSize: 64, learningRate: probeLearningRate };
  const error = async (clf) => 1 - (await clf.evaluate(test, test.labels)).accuracy;
  const config = {
    inputSize: train.cols,
    layers: [{ units }],
    loss: 'mse',
    outputActivation: 'sigmoid',
    optimizer: { kind: 'sgd' },
    seed,
  };
  /** A classifier on `model`'s encoder: only its softmax trained (frozen) or every layer. */
  async function classify(model, trainBody) {
    const clf = await model.toClassifier({ classes: 10, seed });
    try {
      await clf.fit(train, train.labels, { ...probe, trainBody });
      return await error(clf);
    } finally {
      await clf.dispose();
    }
  }

  const raw = await Classifier.create({ inputSize: train.cols, classes: 10, seed }, runtime);
  await raw.fit(train, train.labels, probe);
  const pixels = await error(raw);
  await raw.dispose();

  const untrained = await Autoencoder.create(config, runtime);
  const untrainedFrozen = await classify(untrained, false);
  const untrainedTuned = await classify(untrained, true);
  await untrained.dispose();

  const model = await Autoencoder.create(config, runtime);
  const t0 = performance.now();
  const fit = await model.fit(train, {
    epochs: aeEpochs,
    batchSize: 20,
    learningRate: 0.1,
    validationSplit: 0.1,
    earlyStopping: { patience: 3 },
  });
  const aeSeconds = (performance.now() - t0) / 1000;
  const codesFrozen = await classify(model, false);
  const codesTuned = await classify(model, true);
  await model.dispose();
  return {
    seed,
    pixels,
    untrainedFrozen,
    codesFrozen,
    untrainedTuned,
    codesTuned,
    autoencoder: {
      epochsRun: fit.history.length,
      stoppedEarly: fit.stoppedEarly,
      bestEpoch: fit.bestEpoch,
      seconds: aeSeconds,
    },
  };
}

/** Whether the codes beat both baselines, frozen and fine-tuned, in one result. */
export function verdict(r) {
  return {
    frozen: r.codesFrozen < r.pixels && r.codesFrozen < r.untrainedFrozen,
    fineTuned: r.codesTuned < r.pixels && r.codesTuned < r.untrainedTuned,
  };
}
