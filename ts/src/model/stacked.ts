import { checkArgs, checkOptions, integer, kinds, RUNTIME_OPTIONS } from '../base/check.js';
import { DiaboloError } from '../base/errors.js';
import { MAX_UNITS } from '../base/limits.js';
import { SCHEMA } from '../base/schema.js';
import type {
  ActivationName,
  AutoencoderConfig,
  FitOptions,
  FitResult,
  LayerConfig,
  Matrix,
  MatrixLike,
  RuntimeOptions,
} from '../base/types.js';
import { Runtime } from '../core/runtime.js';
import { toMatrix } from '../data/matrix.js';
import { resolveFitOptions } from '../train/options.js';
import { upload } from '../train/pieces.js';
import { Autoencoder } from './autoencoder.js';
import { invalid, resolveAutoencoderConfig } from './config.js';

type LossRule = (typeof SCHEMA.losses)[keyof typeof SCHEMA.losses];

/**
 * One stage of a stack: a one-layer autoencoder of any variant (sparse, denoising,
 * contractive, tied…), trained on the codes of the stage below.
 */
export interface StackStage
  extends LayerConfig,
    Omit<AutoencoderConfig, 'inputSize' | 'hiddenSize' | 'layers' | 'vae' | 'l2' | 'sparsity' | 'contractive'> {
  /** Training of this stage (default: the stack's `fit`). */
  fit?: FitOptions;
}

/** Options of {@link pretrainStack}. */
export interface StackOptions {
  /** Features per sample of the data. */
  inputSize: number;
  /** The stages, input side first: each is trained on the codes of the one before. */
  stages: StackStage[];
  /** Training of every stage that has no `fit` of its own. */
  fit: FitOptions;
  /** Configuration of the assembled deep autoencoder (its optimizer for fine-tuning). */
  fineTune?: Pick<AutoencoderConfig, 'optimizer' | 'seed'>;
}

/** What {@link pretrainStack} returns. */
export interface StackResult {
  /** The deep autoencoder `g₁∘…∘g_L∘f_L∘…∘f₁` holding the pretrained layers, ready to fine-tune. */
  autoencoder: Autoencoder;
  /** Training history of each stage. */
  stages: FitResult[];
}

/**
 * Above the first stage the targets are the codes of the stage below: its reconstruction
 * takes that stage's activation — as its output layer, or as the link of a loss that applies
 * one itself (`bce` reconstructs sigmoid codes from logits, and needs codes in (0, 1)).
 */
function belowOutput(stage: number, below: ActivationName | undefined, loss: unknown): Partial<AutoencoderConfig> {
  if (below === undefined) return {};
  const rule = typeof loss === 'string' ? (SCHEMA.losses as Record<string, LossRule>)[loss] : undefined;
  if (!rule?.requiredOutput) return { outputActivation: below };
  if (rule.link !== below) {
    throw invalid(
      `stages[${stage}].loss`,
      loss,
      `a loss that can reconstruct the ${below} codes of stage ${stage - 1} ("${loss}" needs ${rule.link} codes in (0, 1))`,
    );
  }
  return {};
}

/**
 * Greedy layer-wise pretraining (the lecture's stacked autoencoder): train AE₁ on X,
 * compute H₁ = f₁(X) inside WASM memory, train AE₂ on H₁, and so on, each stage trained
 * while the others stay frozen; then unroll the stages into one deep autoencoder.
 * Fine-tune it with `autoencoder.fit(x, …)` (unsupervised) or `autoencoder.toClassifier()`
 * (supervised).
 */
export async function pretrainStack(
  data: MatrixLike,
  options: StackOptions,
  runtime: RuntimeOptions = {},
): Promise<StackResult> {
  checkArgs('pretrainStack', ['data', data, kinds.matrix], ['options', options, kinds.object]);
  checkOptions('pretrainStack', 'options', options, {
    inputSize: integer(1, MAX_UNITS),
    stages: kinds.array,
    fit: kinds.object,
    fineTune: kinds.object,
  });
  checkOptions('pretrainStack', 'options.fineTune', options.fineTune, { optimizer: kinds.object, seed: kinds.seed });
  checkOptions('pretrainStack', 'runtime', runtime, RUNTIME_OPTIONS);
  checkArgs(
    'pretrainStack',
    ['options.inputSize', options.inputSize, integer(1, MAX_UNITS)],
    ['options.fit', options.fit, kinds.object],
  );
  if (!Array.isArray(options?.stages) || options.stages.length === 0) {
    throw invalid('stages', options?.stages, 'a non-empty array of stages');
  }
  const x = toMatrix(data, options.inputSize, 'training data');
  const layerKeys = ['units', 'activation', 'activationAlpha', 'l2', 'sparsity', 'contractive'] as const;
  // Validate every stage before any training starts.
  const configs = [];
  let width = options.inputSize;
  let parallel = false;
  for (const [i, stage] of options.stages.entries()) {
    checkArgs('pretrainStack', [`options.stages[${i}]`, stage, kinds.object]);
    checkArgs('pretrainStack', [`options.stages[${i}].fit`, stage.fit ?? {}, kinds.object]);
    const { fit: _fit, ...rest } = stage;
    const layer: LayerConfig = { units: stage.units };
    const others: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rest)) {
      if ((layerKeys as readonly string[]).includes(k)) (layer as unknown as Record<string, unknown>)[k] = v;
      else others[k] = v;
    }
    const cfg = resolveAutoencoderConfig({
      ...belowOutput(i, configs.at(-1)?.layers[0]?.activation, others.loss),
      ...(others as Omit<AutoencoderConfig, 'inputSize'>),
      inputSize: width,
      layers: [layer],
      seed: (others.seed as number | undefined) ?? (options.fineTune?.seed ?? 1) + i,
    });
    if (resolveFitOptions(stage.fit ?? options.fit, x.rows, cfg.optimizer).dataParallel > 1) parallel = true;
    configs.push(cfg);
    width = stage.units;
  }
  const rt = (await Runtime.open(runtime)).retain();
  const stages: FitResult[] = [];
  const trained: Autoencoder[] = [];
  try {
    let current = await upload(rt, x);
    // Data-parallel replicas are fed from this thread: where a stage trains on several
    // workers, every stage's codes come back here and go to the next stage from here.
    let source: Matrix | undefined = parallel ? x : undefined;
    for (const [i, cfg] of configs.entries()) {
      const ae = await Autoencoder.build(rt, cfg);
      trained.push(ae);
      stages.push(await ae.fitDataset(current, x.rows, options.stages[i]?.fit ?? options.fit, source));
      if (i === configs.length - 1) break;
      if (source) source = await ae.encode(source);
      const next = source ? await upload(rt, source) : await rt.call.encodeDataset(ae.handle.id, current);
      await rt.call.dispose(current);
      current = next;
    }
    await rt.call.dispose(current);
    // Every stage is a one-layer autoencoder (resolved above); the first decides the output.
    const only = <T>(xs: readonly T[], what: string): T => {
      if (xs[0] === undefined) throw new DiaboloError('E_INTERNAL', `pretrainStack: no ${what}`);
      return xs[0];
    };
    const base = only(configs, 'stage');
    const deep = await Autoencoder.build(
      rt,
      resolveAutoencoderConfig({
        inputSize: options.inputSize,
        layers: configs.map((c) => {
          const { sparsity, ...layer } = only(c.layers, 'layer in a stage');
          return { ...layer, ...(sparsity ? { sparsity } : {}) };
        }),
        outputActivation: base.outputActivation,
        activationAlpha: base.outputAlpha,
        loss: base.loss,
        optimizer: options.fineTune?.optimizer ?? base.optimizer,
        seed: options.fineTune?.seed ?? 1,
      }),
    );
    // Each stage's encoder and the decoder layer that mirrors it, as both models describe
    // themselves: stage i becomes the deep model's encoder layer i and its mirror.
    const mirror = (ae: Autoencoder, i: number) =>
      only(
        ae.topology.layers.filter((l) => l.role === 'decoder' && l.mirrorOf === i),
        `decoder layer mirroring encoder layer ${i}`,
      ).index;
    for (const [i, ae] of trained.entries()) {
      const enc = await ae.layerWeights(0, false);
      await deep.setLayerWeights(i, false, enc.w.data, enc.b);
      const dec = await ae.layerWeights(mirror(ae, 0), true);
      await deep.setLayerWeights(mirror(deep, i), true, dec.w.data, dec.b);
    }
    return { autoencoder: deep, stages };
  } finally {
    for (const ae of trained) await ae.dispose();
    await rt.release();
  }
}
