// What the ONNX export accepts and promises, without the protobuf writer: the facade checks
// options here before it loads `onnx.ts` (and its protobuf library) lazily, on first use.
import { checkArgs, checkOptions, invalid, type Kind, kinds } from '../base/check.js';
import type { TopologyLayer } from '../base/types.js';

/**
 * The ONNX operator set exported models declare (the default `ai.onnx` domain), and the IR
 * version that goes with it. Opset 21 (ONNX 1.16) is read by onnxruntime ≥ 1.18 and has every
 * operator diabolo needs, `Gelu` included (opset 20).
 */
export const ONNX_OPSET = 21;

/** The ONNX IR version of {@link ONNX_OPSET} (ONNX 1.16). */
export const ONNX_IR_VERSION = 10;

/**
 * Which function of an autoencoder an ONNX model computes:
 * - `encoder`: input `x` → output `code` (a VAE: outputs `mu` and `logvar`);
 * - `decoder`: input `code` → output `reconstruction`;
 * - `autoencoder`: input `x` → output `reconstruction`, as {@link Autoencoder.reconstruct}
 *   (a VAE decodes its mean code `mu`).
 */
export type OnnxPart = 'encoder' | 'decoder' | 'autoencoder';

/** Options of {@link Autoencoder.toOnnx}. */
export interface OnnxExportOptions {
  /** The part of the model to export. Default `'autoencoder'`. */
  part?: OnnxPart;
}

const PARTS: readonly OnnxPart[] = ['encoder', 'decoder', 'autoencoder'];

const PART: Kind = {
  expected: PARTS.map((p) => JSON.stringify(p))
    .join(', ')
    .replace(/, ([^,]*)$/, ' or $1'),
  test: (v) => PARTS.includes(v as OnnxPart),
};

/** Check the options of `method` (`toOnnx`) and resolve the part. */
export function onnxPart(method: string, options: unknown): OnnxPart {
  const o = checkOptions(method, 'options', options, { part: PART });
  return (o.part as OnnxPart | undefined) ?? 'autoencoder';
}

/** Check the options of a classifier's `toOnnx`: it has none (a classifier exports whole). */
export function classifierOnnxOptions(method: string, options: unknown): void {
  if (options === undefined) return;
  checkArgs(method, ['options', options, kinds.object]);
  for (const [key, value] of Object.entries(options as object)) {
    throw invalid(
      `${method}: options.${key}`,
      value,
      'no options: a classifier exports whole, x → probabilities and logits (parts are for autoencoders)',
    );
  }
}

/**
 * A classifier's layers: the encoder layers it was built on (maybe none), then its softmax head.
 * @internal
 */
export interface ClassifierLayout {
  /** Features per sample. */
  inputs: number;
  /** Number of classes. */
  classes: number;
  /** The body's dense layers, input side first. */
  body: ReadonlyArray<Pick<TopologyLayer, 'inputs' | 'outputs' | 'activation' | 'alpha'>>;
}
