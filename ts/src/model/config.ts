import { invalid, kinds } from '../base/check.js';
import { DiaboloError } from '../base/errors.js';
import { BYTES_PER_PARAMETER, MAX_MODEL_BYTES, MAX_UNITS } from '../base/limits.js';
import { bool, int, nonNegative, num, oneOf, plainObject } from '../base/resolve.js';
import { SCHEMA } from '../base/schema.js';
import type {
  ActivationName,
  AutoencoderConfig,
  CorruptionConfig,
  InitName,
  LayerConfig,
  LossName,
  OptimizerConfig,
  SparsityConfig,
} from '../base/types.js';

/** A layer with every field decided. */
export interface ResolvedLayer {
  /** Units (width of this layer's code). */
  units: number;
  /** Activation of this layer. */
  activation: ActivationName;
  /** Negative-side slope of `leakyRelu`, scale of `elu`. */
  activationAlpha: number;
  /** L2 weight decay λ (0: none). */
  l2: number;
  /** KL sparsity penalty, or null for none. */
  sparsity: SparsityConfig | null;
  /** Contractive penalty weight λ (0: none). */
  contractive: number;
}

/** An {@link AutoencoderConfig} with every default applied: what is saved and sent to the core. */
export interface ResolvedAutoencoderConfig {
  /** Features per sample (d). */
  inputSize: number;
  /** Encoder layers, input side first. */
  layers: ResolvedLayer[];
  /** Activation of the reconstruction. */
  outputActivation: ActivationName;
  /** Slope (`leakyRelu`) or scale (`elu`) of the output activation. */
  outputAlpha: number;
  /** Reconstruction loss. */
  loss: LossName;
  /** Whether decoder layers use the transposed encoder weights. */
  tiedWeights: boolean;
  /** Input corruption (`{ kind: 'none' }` for none). */
  corruption:
    | Required<CorruptionConfig>
    | {
        /** No corruption. */
        kind: 'none';
      };
  /** Variational code, or null for a deterministic autoencoder. */
  vae: {
    /** Number of Gaussian latent units. */
    latentSize: number;
    /** KL weight. */
    beta: number;
  } | null;
  /** Optimizer with every hyper-parameter set. */
  optimizer: Required<OptimizerConfig>;
  /** Weight initialisation scheme. */
  init: InitName;
  /** Seed of initialisation, shuffling, corruption and sampling. */
  seed: number;
}

// The vocabulary is the core's (ts/src/base/schema.ts, generated from its registries).
const ACTIVATIONS = Object.keys(SCHEMA.activations) as ActivationName[];
const LOSSES = Object.keys(SCHEMA.losses) as LossName[];
const CORRUPTIONS = Object.keys(SCHEMA.corruptions) as (keyof typeof SCHEMA.corruptions)[];
const OPTIMIZERS = Object.keys(SCHEMA.optimizers) as (keyof typeof SCHEMA.optimizers)[];
/** Every field some kind has, and `kind`. */
const kindKeys = (table: Record<string, readonly string[]>) => new Set(['kind', ...Object.values(table).flat()]);
const CONFIG_KEYS = new Set<string>([
  'inputSize',
  'hiddenSize',
  'layers',
  'hiddenActivation',
  'outputActivation',
  'activationAlpha',
  'loss',
  'tiedWeights',
  'l2',
  'sparsity',
  'contractive',
  'corruption',
  'vae',
  'optimizer',
  'init',
  'seed',
] satisfies (keyof AutoencoderConfig)[]);
const LAYER_KEYS = new Set<string>([
  'units',
  'activation',
  'activationAlpha',
  'l2',
  'sparsity',
  'contractive',
] satisfies (keyof LayerConfig)[]);

export { invalid };

function resolveSparsity(field: string, v: unknown): SparsityConfig | null {
  if (v === undefined || v === null) return null;
  const s = plainObject(field, v, new Set(['rho', 'beta']));
  return {
    rho: num(`${field}.rho`, s.rho, (x) => x > 0 && x < 1, 'a number in (0, 1)'),
    beta: num(`${field}.beta`, s.beta, nonNegative, 'a finite number ≥ 0'),
  };
}

function alphaFor(activation: ActivationName, given: unknown, field: string): number {
  if (given !== undefined) return num(field, given, nonNegative, 'a finite number ≥ 0');
  return SCHEMA.activations[activation].alpha ?? SCHEMA.unusedAlpha;
}

function resolveCorruption(v: unknown): ResolvedAutoencoderConfig['corruption'] {
  if (v === undefined) return { kind: 'none' };
  const c = plainObject('corruption', v, kindKeys(SCHEMA.corruptions));
  const kind = oneOf('corruption.kind', c.kind, CORRUPTIONS);
  const prob = (x: unknown) => num('corruption.nu', x, (p) => p >= 0 && p < 1, 'a probability in [0, 1)');
  switch (kind) {
    case 'none':
      return { kind };
    case 'mask':
      return { kind, nu: prob(c.nu) };
    case 'gaussian':
      return { kind, sigma: num('corruption.sigma', c.sigma, nonNegative, 'a finite number ≥ 0') };
    case 'saltPepper': {
      const low = c.low === undefined ? 0 : num('corruption.low', c.low, () => true, 'a finite number');
      const high =
        c.high === undefined ? 1 : num('corruption.high', c.high, (h) => h >= low, `a number ≥ low (${low})`);
      return { kind, nu: prob(c.nu), low, high };
    }
  }
}

/** Apply an optimizer's defaults and check its fields. */
export function resolveOptimizer(v: unknown): Required<OptimizerConfig> {
  if (v === undefined) return { kind: 'sgd' };
  const o = plainObject('optimizer', v, kindKeys(SCHEMA.optimizers));
  const kind = oneOf('optimizer.kind', o.kind, OPTIMIZERS);
  const unit = (f: string, x: unknown, d: number) =>
    num(`optimizer.${f}`, x ?? d, (p) => p >= 0 && p < 1, 'a number in [0, 1)');
  switch (kind) {
    case 'sgd':
      return { kind };
    case 'momentum':
      return {
        kind,
        momentum: unit('momentum', o.momentum, 0.9),
        nesterov: bool('optimizer.nesterov', o.nesterov ?? false),
      };
    case 'adam':
    case 'adamw': {
      const base = {
        beta1: unit('beta1', o.beta1, 0.9),
        beta2: unit('beta2', o.beta2, 0.999),
        epsilon: num('optimizer.epsilon', o.epsilon ?? 1e-8, (e) => e > 0, 'a finite number > 0'),
      };
      if (kind === 'adam') return { kind, ...base };
      return {
        kind,
        ...base,
        weightDecay: num('optimizer.weightDecay', o.weightDecay ?? 0.01, nonNegative, 'a finite number ≥ 0'),
      };
    }
  }
}

/** Apply defaults and validate; the one place where both happen. */
export function resolveAutoencoderConfig(config: AutoencoderConfig): ResolvedAutoencoderConfig {
  const c = plainObject('config', config, CONFIG_KEYS) as unknown as AutoencoderConfig;
  const inputSize = int('inputSize', c.inputSize, 1, MAX_UNITS);
  const loss = oneOf('loss', c.loss ?? 'mse', LOSSES);
  const hiddenActivation = oneOf('hiddenActivation', c.hiddenActivation ?? 'sigmoid', ACTIVATIONS);
  if (c.hiddenSize !== undefined && c.layers !== undefined) {
    throw invalid('hiddenSize', c.hiddenSize, 'absent when layers are given (hiddenSize is their shorthand)');
  }
  const layerList: unknown[] =
    c.layers ?? (c.hiddenSize === undefined ? [] : [{ units: int('hiddenSize', c.hiddenSize, 1, MAX_UNITS) }]);
  if (!Array.isArray(layerList) || layerList.length === 0) {
    throw invalid('layers', c.layers ?? c.hiddenSize, 'hiddenSize or a non-empty array of layers');
  }
  const defaultL2 = c.l2 === undefined ? 0 : num('l2', c.l2, nonNegative, 'a finite number ≥ 0');
  const defaultSparsity = resolveSparsity('sparsity', c.sparsity);
  const defaultContractive =
    c.contractive === undefined ? 0 : num('contractive', c.contractive, nonNegative, 'a finite number ≥ 0');
  const layers = layerList.map((raw, i): ResolvedLayer => {
    const f = `layers[${i}]`;
    const l = plainObject(f, raw, LAYER_KEYS) as unknown as LayerConfig;
    const activation = oneOf(`${f}.activation`, l.activation ?? hiddenActivation, ACTIVATIONS);
    return {
      units: int(`${f}.units`, l.units, 1, MAX_UNITS),
      activation,
      activationAlpha: alphaFor(activation, l.activationAlpha ?? c.activationAlpha, `${f}.activationAlpha`),
      l2: l.l2 === undefined ? defaultL2 : num(`${f}.l2`, l.l2, nonNegative, 'a finite number ≥ 0'),
      sparsity: l.sparsity === undefined ? defaultSparsity : resolveSparsity(`${f}.sparsity`, l.sparsity),
      contractive:
        l.contractive === undefined
          ? defaultContractive
          : num(`${f}.contractive`, l.contractive, nonNegative, 'a finite number ≥ 0'),
    };
  });
  // The loss decides the output activation's default, and requires one where it must.
  const lossRule = SCHEMA.losses[loss];
  const outputActivation = oneOf('outputActivation', c.outputActivation ?? lossRule.defaultOutput, ACTIVATIONS);
  const required = lossRule.requiredOutput;
  if (required !== null && outputActivation !== required.activation) {
    throw invalid(
      'outputActivation',
      outputActivation,
      `"${required.activation}" with loss "${loss}" (${required.reason})`,
    );
  }
  let vae: ResolvedAutoencoderConfig['vae'] = null;
  if (c.vae !== undefined) {
    const v = plainObject('vae', c.vae, new Set(['latentSize', 'beta']));
    vae = {
      latentSize: int('vae.latentSize', v.latentSize, 1, MAX_UNITS),
      beta: num('vae.beta', v.beta ?? 1, nonNegative, 'a finite number ≥ 0'),
    };
  }
  const tiedWeights = bool('tiedWeights', c.tiedWeights ?? false);
  if (tiedWeights && vae) throw invalid('tiedWeights', true, 'false for a variational autoencoder');
  const seed = c.seed ?? 1;
  if (!kinds.seed.test(seed)) throw invalid('seed', seed, kinds.seed.expected);
  const resolved: ResolvedAutoencoderConfig = {
    inputSize,
    layers,
    outputActivation,
    outputAlpha: alphaFor(outputActivation, c.activationAlpha, 'activationAlpha'),
    loss,
    tiedWeights,
    corruption: resolveCorruption(c.corruption),
    vae,
    optimizer: resolveOptimizer(c.optimizer),
    init: oneOf('init', c.init ?? 'auto', SCHEMA.inits),
    seed,
  };
  checkModelSize('config', parameterTensors(resolved));
  return resolved;
}

/** One trainable tensor of a model: its name (for messages) and its number of values. */
export interface Tensor {
  name: string;
  length: number;
}

/**
 * The trainable tensors of an autoencoder in the order of its parameters (`getWeights`, the
 * model file): per encoder layer W and b; a VAE's mean and log-variance heads; per decoder
 * layer, counted from the code, W (unless tied) and b. The core's `Topology` is the source
 * of this layout (`Autoencoder.topology`); this copy only sizes a model and checks a model
 * file before any core is loaded, and `tests/topology.test.ts` holds it equal to the core's
 * for every variant.
 */
export function parameterTensors(c: ResolvedAutoencoderConfig): Tensor[] {
  const out: Tensor[] = [];
  const widths = [c.inputSize, ...c.layers.map((l) => l.units)];
  const dense = (name: string, from: number, to: number, weights = true) => {
    if (weights) out.push({ name: `${name} weights`, length: from * to });
    out.push({ name: `${name} bias`, length: to });
  };
  for (let i = 1; i < widths.length; i++) dense(`encoder layer ${i - 1}`, widths[i - 1] as number, widths[i] as number);
  const last = widths.at(-1) as number;
  if (c.vae) {
    dense('VAE mean head', last, c.vae.latentSize);
    dense('VAE log-variance head', last, c.vae.latentSize);
  }
  // The decoder mirrors the encoder: from the code back to each narrower width, then the input.
  const targets = [...(c.vae ? [last] : []), ...widths.slice(0, -1).reverse()];
  let from = codeSize(c);
  for (const [j, to] of targets.entries()) {
    dense(`decoder layer ${j}`, from, to, !c.tiedWeights);
    from = to;
  }
  return out;
}

/** Moments the optimizer keeps per parameter: none (SGD), a velocity (momentum), or two (Adam, AdamW). */
export function optimizerSlots(o: OptimizerConfig): number {
  return o.kind === 'sgd' ? 0 : o.kind === 'momentum' ? 1 : 2;
}

/**
 * Refuse (E_MEMORY), before the core allocates anything, a model whose parameters with
 * their gradients and optimizer moments could not fit in WASM memory (the core's own limit:
 * 3 GiB at 16 bytes per parameter).
 */
export function checkModelSize(what: string, tensors: readonly Tensor[]): void {
  const parameters = tensors.reduce((n, t) => n + t.length, 0);
  if (parameters * BYTES_PER_PARAMETER > MAX_MODEL_BYTES) {
    throw new DiaboloError(
      'E_MEMORY',
      `${what}: ${parameters} parameters need ${((parameters * BYTES_PER_PARAMETER) / 2 ** 30).toFixed(2)} GiB with their gradients and optimizer moments: a model must fit in 3 GiB of WASM memory (at most ${MAX_MODEL_BYTES / BYTES_PER_PARAMETER} parameters); use fewer or narrower layers`,
    );
  }
}

/** The JSON the Rust core parses (crates/diabolo-core/src/spec.rs). */
export function coreSpec(c: ResolvedAutoencoderConfig): string {
  return JSON.stringify({
    inputSize: c.inputSize,
    layers: c.layers.map((l) => ({
      units: l.units,
      activation: l.activation,
      alpha: l.activationAlpha,
      l2: l.l2,
      sparsity: l.sparsity,
      contractive: l.contractive,
    })),
    vae: c.vae,
    outputActivation: c.outputActivation,
    outputAlpha: c.outputAlpha,
    loss: c.loss,
    tiedWeights: c.tiedWeights,
    corruption: c.corruption,
    optimizer: c.optimizer,
    init: c.init,
    seed: c.seed,
  });
}

/** Width of the code: the VAE's latent size, or the last encoder layer's units. */
export function codeSize(c: ResolvedAutoencoderConfig): number {
  return c.vae ? c.vae.latentSize : (c.layers.at(-1)?.units ?? 0);
}
