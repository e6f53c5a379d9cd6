// The variants the studio trains, one entry each: the label of the menus, the short name of
// legends, the unit of its loss and how to build and train it. The single-model view, the
// comparison and the lecture presets all read this table, so a variant is added here once.

/** Every variant, in menu order. `config(inputSize, hidden)` gives its AutoencoderConfig. */
export const VARIANTS = {
  basic: {
    label: 'Basic (sigmoid units)',
    short: 'basic',
    config: (input, hidden) => base(input, [{ units: hidden }]),
  },
  linear: {
    label: 'Linear units (spans the PCA subspace)',
    short: 'linear',
    config: (input, hidden) => base(input, [{ units: hidden, activation: 'linear' }]),
  },
  sparse: {
    label: 'Sparse (ρ = 0.05, β = 3)',
    short: 'sparse',
    config: (input, hidden) => base(input, [{ units: hidden, sparsity: { rho: 0.05, beta: 3 } }]),
  },
  denoising: {
    label: 'Denoising (30% masking)',
    short: 'denoising',
    config: (input, hidden) => ({ ...base(input, [{ units: hidden }]), corruption: { kind: 'mask', nu: 0.3 } }),
  },
  contractive: {
    label: 'Contractive (λ = 0.1)',
    short: 'contractive',
    config: (input, hidden) => base(input, [{ units: hidden, contractive: 0.1 }]),
  },
  stacked: {
    label: 'Stacked (2 layers, greedy pretraining, then fine-tuning)',
    short: 'stacked',
    // Pretrained layer by layer (see `build`); this is the unrolled shape, for reference.
    config: (input, hidden) => base(input, [{ units: hidden }, { units: half(hidden) }]),
    stages: (hidden) => [{ units: hidden }, { units: half(hidden) }],
  },
  vae: {
    label: 'Variational (2-D latent)',
    short: 'VAE',
    unit: 'nats per sample',
    config: (input, hidden) => ({
      ...base(input, [{ units: hidden, activation: 'relu' }]),
      vae: { latentSize: 2 },
      loss: 'bce',
    }),
  },
};

const SEED = 1;

function base(inputSize, layers) {
  return { inputSize, layers, optimizer: { kind: 'adam' }, seed: SEED };
}

function half(hidden) {
  return Math.max(2, Math.round(hidden / 2));
}

/** The y-axis unit of a variant's loss. */
export function unitOf(variant) {
  return VARIANTS[variant]?.unit ?? 'squared error per sample';
}

/**
 * A trained-from-scratch model of `variant` in a Web Worker, ready for `fit`. A stacked
 * autoencoder is first pretrained greedily (each stage for `fit.epochs` epochs on the codes
 * of the one below, `onStage` told of each); every other variant starts from its seeded
 * initial weights. `d` is the diabolo module.
 */
export async function build(d, variant, data, hidden, fit, onStage = () => {}) {
  const v = VARIANTS[variant];
  if (!v) throw new Error(`unknown variant ${JSON.stringify(variant)}; expected one of ${Object.keys(VARIANTS)}`);
  if (!v.stages) return d.Autoencoder.create(v.config(data.cols, hidden), { backend: 'worker' });
  const { signal, epochs, batchSize, learningRate } = fit;
  let stage = 0;
  const result = await d.pretrainStack(
    data,
    {
      inputSize: data.cols,
      stages: v.stages(hidden).map((s) => ({ ...s, seed: SEED })),
      fit: {
        epochs,
        batchSize,
        learningRate,
        signal,
        onEpochEnd: (p) => {
          if (p.epoch === 1) stage++;
          onStage(stage, p);
        },
      },
      fineTune: { optimizer: { kind: 'adam' }, seed: SEED },
    },
    { backend: 'worker' },
  );
  return result.autoencoder;
}
