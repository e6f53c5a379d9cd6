// The formats of `diabolo export`: each says whether --out is a file or a folder, and what is
// written there. A new format is one more entry (the command, its help and its checks read
// this table).
import type { Autoencoder } from './io.js';

/** One format of `diabolo export`. */
export interface ExportFormat {
  /** `file`: --out is the file written; `folder`: --out is a folder (made if missing) that receives `files`. */
  out: 'file' | 'folder';
  /** Help lines (after `--format NAME`). */
  help: string[];
  /** The names of the files a folder format writes (checked before any work). */
  names?: readonly string[];
  /** The contents: one entry `''` for a file format, one per file name for a folder format. */
  files(ae: Autoencoder): Promise<Record<string, Uint8Array | string>>;
}

export const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = {
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
    'usage: diabolo export --model MODEL --format FORMAT --out PATH',
    'formats:',
    ...formats,
    'MODEL: a model file (from train or save()) or a .safetensors file (from export,',
    'or written back by train.py).',
  ].join('\n');
}
