// The formats of `diabolo export`: each says whether --out is a file or a folder, and what is
// written there. A new format is one more entry (the command, its help and its checks read
// this table).
import { type Autoencoder, ONNX_OPSET, type OnnxPart } from './io.js';

/** One format of `diabolo export`. */
export interface ExportFormat {
  /** `file`: --out is the file written; `folder`: --out is a folder (made if missing) that receives `files`. */
  out: 'file' | 'folder';
  /** Help lines (after `--format NAME`). */
  help: string[];
  /** The names of the files a folder format writes (checked before any work). */
  names?: readonly string[];
  /** Flags of this format alone (e.g. `part`); any other format refuses them. */
  flags?: readonly string[];
  /** What is wrong with this format's flags, if anything (checked before the model is read). */
  check?(values: Readonly<Record<string, unknown>>): string | undefined;
  /** What was written, for the closing line (default: the format's name). */
  summary?(values: Readonly<Record<string, unknown>>): string;
  /** The contents: one entry `''` for a file format, one per file name for a folder format. */
  files(ae: Autoencoder, values: Readonly<Record<string, unknown>>): Promise<Record<string, Uint8Array | string>>;
}

const ONNX_PARTS: readonly OnnxPart[] = ['encoder', 'decoder', 'autoencoder'];

export const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = {
  onnx: {
    out: 'file',
    help: [
      `an ONNX model (opset ${ONNX_OPSET}) for onnxruntime and other engines; --out model.onnx`,
      '--part encoder (input x, output code; a variational model: mu and logvar),',
      'decoder (input code, output reconstruction) or autoencoder (the default)',
    ],
    flags: ['part'],
    check: (values) =>
      values.part === undefined || ONNX_PARTS.includes(values.part as OnnxPart)
        ? undefined
        : `--part ${JSON.stringify(values.part)}: expected encoder, decoder or autoencoder`,
    summary: (values) => `the ${(values.part as string | undefined) ?? 'autoencoder'} as ONNX (opset ${ONNX_OPSET})`,
    files: async (ae, values) => ({
      '': await ae.toOnnx({ part: (values.part as OnnxPart | undefined) ?? 'autoencoder' }),
    }),
  },
  safetensors: {
    out: 'file',
    help: [
      "the weights, named as the PyTorch module's (encoder.0.weight, …), the",
      'configuration in the metadata; --out model.safetensors',
    ],
    files: async (ae) => ({ '': await ae.toSafetensors() }),
  },
  pytorch: {
    out: 'folder',
    help: [
      "a folder: model.safetensors, model.py (the nn.Module and diabolo's loss),",
      'train.py (torchrun + DistributedDataParallel); --out dir/ (made if missing)',
    ],
    names: ['model.safetensors', 'model.py', 'train.py'],
    files: async (ae) => ({ ...(await ae.toPyTorch()) }),
  },
};

/** The help of `diabolo export`. */
export function exportHelp(): string {
  const formats = Object.entries(EXPORT_FORMATS).flatMap(([name, f]) =>
    f.help.map((line, i) => `  ${(i === 0 ? name : '').padEnd(13)} ${line}`),
  );
  return [
    'usage: diabolo export --model MODEL --format FORMAT [--part P] --out PATH',
    'formats:',
    ...formats,
    'MODEL: a model file (from train or save()) or a .safetensors file (from export,',
    'or written back by train.py).',
  ].join('\n');
}
