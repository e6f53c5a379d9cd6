import { DiaboloError } from '../errors.js';
import type { ActivationName, AutoencoderConfig, FitOptions, LossName } from '../types.js';

/** An {@link AutoencoderConfig} with every default filled in. */
export type ResolvedAutoencoderConfig = Required<AutoencoderConfig>;

const ACTIVATIONS: readonly ActivationName[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'softplus'];
const LOSSES: readonly LossName[] = ['mse', 'bce'];
const CONFIG_KEYS: ReadonlySet<string> = new Set<keyof AutoencoderConfig>([
  'inputSize',
  'hiddenSize',
  'hiddenActivation',
  'outputActivation',
  'activationAlpha',
  'loss',
  'seed',
]);

function invalid(field: string, value: unknown, expected: string): DiaboloError {
  return new DiaboloError(
    'E_INVALID',
    `${field} = ${JSON.stringify(value) ?? String(value)} is not allowed: expected ${expected}`,
  );
}

function positiveInt(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw invalid(field, v, 'an integer ≥ 1');
  return v;
}

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw invalid(field, v, `one of ${allowed.join(', ')}`);
  return v as T;
}

/** Apply defaults and validate; the one place where both happen. */
export function resolveAutoencoderConfig(config: AutoencoderConfig): ResolvedAutoencoderConfig {
  if (typeof config !== 'object' || config === null) throw invalid('config', config, 'an object');
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key)) throw invalid(`config.${key}`, '(unknown key)', `only ${[...CONFIG_KEYS].join(', ')}`);
  }
  const loss = oneOf('loss', config.loss ?? 'mse', LOSSES);
  const hiddenActivation = oneOf('hiddenActivation', config.hiddenActivation ?? 'sigmoid', ACTIVATIONS);
  const outputActivation = oneOf(
    'outputActivation',
    config.outputActivation ?? (loss === 'bce' ? 'linear' : 'sigmoid'),
    ACTIVATIONS,
  );
  if (loss === 'bce' && outputActivation !== 'linear') {
    throw invalid('outputActivation', outputActivation, '"linear" with loss "bce" (the loss takes logits)');
  }
  const alphaDefault = hiddenActivation === 'elu' || outputActivation === 'elu' ? 1 : 0.01;
  const activationAlpha = config.activationAlpha ?? alphaDefault;
  if (typeof activationAlpha !== 'number' || !Number.isFinite(activationAlpha) || activationAlpha < 0) {
    throw invalid('activationAlpha', activationAlpha, 'a finite number ≥ 0');
  }
  const seed = config.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw invalid('seed', seed, 'an integer in [0, 2^53 − 1]');
  }
  return {
    inputSize: positiveInt('inputSize', config.inputSize),
    hiddenSize: positiveInt('hiddenSize', config.hiddenSize),
    hiddenActivation,
    outputActivation,
    activationAlpha,
    loss,
    seed,
  };
}

/** Training options with defaults applied, validated against the number of samples. */
export interface ResolvedFitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
}

export function resolveFitOptions(options: FitOptions, samples: number): ResolvedFitOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', options, 'an object');
  const epochs = options.epochs;
  if (typeof epochs !== 'number' || !Number.isSafeInteger(epochs) || epochs < 1) {
    throw invalid('epochs', epochs, 'an integer ≥ 1');
  }
  const batchSize = options.batchSize ?? Math.min(32, samples);
  if (typeof batchSize !== 'number' || !Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > samples) {
    throw invalid('batchSize', batchSize, `an integer in [1, ${samples}] (the number of samples)`);
  }
  const learningRate = options.learningRate ?? 0.1;
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw invalid('learningRate', learningRate, 'a finite number > 0');
  }
  return { epochs, batchSize, learningRate };
}
