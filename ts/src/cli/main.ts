#!/usr/bin/env node
// The diabolo command line: train, encode, decode, sample, eval, inspect and export
// autoencoders on CSV, MNIST IDX, NumPy .npy and JSON files. Errors name the file, line or
// flag and exit 2.
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SCHEMA } from '../base/schema.js';
import { EXPORT_FORMATS, type ExportFormat, exportHelp } from './export.js';
import {
  Autoencoder,
  type AutoencoderConfig,
  type CsvOptions,
  DiaboloError,
  type Matrix,
  parseCsv,
  parseDecimal,
  parseIdx,
  parseJsonMatrix,
  parseNpy,
} from './io.js';
import { TrainingProgress } from './progress.js';

/** The core's names (ts/src/base/schema.ts), for the help text; `fallback` marked as the default. */
const names = (table: object, fallback: string) =>
  Object.keys(table)
    .map((n) => (n === fallback ? `${n} (default)` : n))
    .join(', ');
const LOSS_FLAG = `--loss ${Object.keys(SCHEMA.losses).join('|')}`.padEnd(20);
/** The corruption kinds that take an amount, each with the field `--denoise KIND:P` sets. */
const DENOISE = Object.entries(SCHEMA.corruptions as Record<string, readonly string[]>).flatMap(([kind, fields]) =>
  fields[0] === undefined ? [] : [[kind, fields[0]] as const],
);
const DENOISE_HELP = DENOISE.map(([k, f]) => `${k}:${f.toUpperCase()}`)
  .join(', ')
  .replace(/, ([^,]*)$/, ' or $1');

const HELP: Record<string, string> = {
  main: `usage: diabolo <command> [options]   (diabolo <command> --help for details)

commands:
  train <data>     train an autoencoder and save it
  encode <data>    write the codes of the data
  decode <codes>   write reconstructions of codes
  sample           draw new samples from a variational model
  eval <data>      print the reconstruction loss (and ELBO) of the data
  inspect          print a model file's configuration
  export           write a model as ONNX, safetensors, or a folder for PyTorch

options:
  -h, --help       this help (after a command: that command's options)
  -v, --version    print diabolo's version

data files, read by their first bytes, else by their extension:
  .npy     starts with \\x93NUMPY: 1-D or 2-D float32/float64/(u)int8-64 arrays
  IDX      starts with two zero bytes, or named .idx / *.idxN-ubyte / *-idxN-ubyte:
           MNIST unsigned bytes, scaled to [0, 1]
  JSON     named .json (or not .csv, starting with [ or {): an array of equally
           long rows of numbers, or { rows, cols, data }
  CSV      anything else: comma-separated decimal numbers, LF, CRLF or CR line ends;
           a first line of names only (no number) is a header
No cell may be empty, null, NaN, Infinity, hexadecimal or text: such a file is refused
with its line and column. --out must not be an input, and its folder must exist: the
file is written whole or not at all.`,
  train: `usage: diabolo train <data> --out model.dia [options]
  --hidden N           one hidden layer of N units (default 32)
  --layers A,B,…       several encoder layers (a deep autoencoder)
  --activation NAME    ${names(SCHEMA.activations, 'sigmoid')}
  ${LOSS_FLAG} reconstruction loss (default mse)
  --sparsity RHO,BETA  KL sparsity on the codes
  --denoise KIND:P     corruption: ${DENOISE_HELP}
  --contractive L      contractive penalty weight
  --l2 L               weight decay
  --vae Z              a variational autoencoder with a Z-dimensional code
  --optimizer NAME     ${names(SCHEMA.optimizers, 'sgd')}
  --epochs N           (default 10)   --batch N (default 32)   --lr X
  --validation F       fraction held out for validation (e.g. 0.1)
  --label-column C     ignore a label column of a CSV file: first, last, or its
                       index counting from 0
  --seed N             (default 1)    --worker  train in a worker thread`,
  encode: 'usage: diabolo encode <data> --model model.dia --out codes.csv [--label-column first|last|N]',
  decode: 'usage: diabolo decode <codes> --model model.dia --out data.csv',
  sample: 'usage: diabolo sample --model model.dia --count N --out samples.csv [--seed N]',
  eval: 'usage: diabolo eval <data> --model model.dia [--label-column first|last|N]',
  inspect: 'usage: diabolo inspect --model model.dia',
  export: exportHelp(),
};

class UsageError extends Error {}

/** The installed package's version, from its package.json (dist/cli/ → the package root). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

type DataFormat = 'npy' | 'idx' | 'json' | 'csv';

/**
 * Which reader a file needs: its first bytes when they say it (a .npy magic, an IDX magic's
 * two zero bytes, which no text file starts with), else its extension (the file name's, never
 * a folder's), else its first character (`[` or `{`: JSON), else CSV.
 */
function dataFormat(path: string, bytes: Uint8Array): DataFormat {
  const name = basename(path).toLowerCase();
  const ext = extname(name);
  if (bytes[0] === 0x93 && new TextDecoder().decode(bytes.subarray(1, 6)) === 'NUMPY') return 'npy';
  if (bytes.length >= 2 && bytes[0] === 0 && bytes[1] === 0) return 'idx';
  if (ext === '.npy') return 'npy';
  if (ext === '.idx' || /[.-]idx\d-ubyte$/.test(name)) return 'idx';
  if (ext === '.json') return 'json';
  if (ext === '.csv') return 'csv';
  const first = /\S/.exec(new TextDecoder().decode(bytes.subarray(0, 64)))?.[0];
  return first === '[' || first === '{' ? 'json' : 'csv';
}

function labelColumnFlag(v: string | undefined): CsvOptions['labelColumn'] {
  if (v === undefined) return undefined;
  if (v === 'first' || v === 'last') return v;
  if (/^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  throw new UsageError(
    `--label-column ${JSON.stringify(v)}: expected first, last or a column index counting from 0 (0, 1, 2, …)`,
  );
}

function readData(path: string, labelFlag?: string): Matrix {
  const labelColumn = labelColumnFlag(labelFlag);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const format = dataFormat(path, bytes);
  if (labelColumn !== undefined && format !== 'csv') {
    throw new UsageError(
      `--label-column ${labelFlag}: only a CSV file has a label column, and ${path} is read as ${format === 'npy' ? '.npy' : format.toUpperCase()}`,
    );
  }
  if (format === 'npy') return parseNpy(bytes, path);
  if (format === 'idx') {
    const idx = parseIdx(bytes, path);
    const [n = 0, ...rest] = idx.shape;
    const cols = rest.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n * cols);
    for (let i = 0; i < data.length; i++) data[i] = (idx.data[i] as number) / 255;
    return { rows: n, cols, data };
  }
  const text = new TextDecoder().decode(bytes);
  if (format === 'json') return parseJsonMatrix(text, path);
  return parseCsv(text, { source: path, ...(labelColumn === undefined ? {} : { labelColumn }) }).matrix;
}

/** Where `--out` will be written: a checked path, before any work starts. */
interface OutputFile {
  /** As the user wrote it, for messages. */
  shown: string;
  /** The real path written (a symlink's target), whose folder exists and is writable. */
  target: string;
  /** The existing file's permissions, kept by the replacement. */
  mode?: number;
}

function statOrUndefined(path: string, flag: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // missing; its folder is checked next
    throw new UsageError(`${flag} ${path}: cannot use it (${code ?? (e as Error).message})`);
  }
}

/**
 * Check `--out` before reading or training anything: its folder exists and is writable, it
 * is not a folder, and it is none of the inputs — compared by real path (so `./x.csv`, `x.csv`
 * and a symlink to it are the same file) and by device and inode (a hard link).
 */
function checkOutput(
  out: string,
  inputs: ReadonlyArray<readonly [flag: string, path: string | undefined]>,
): OutputFile {
  const st = statOrUndefined(out, '--out');
  if (st?.isDirectory()) throw new UsageError(`--out ${out}: is a folder, expected a file path`);
  let target: string;
  if (st) {
    target = realpathSync(out);
  } else {
    const folder = dirname(resolve(out));
    let real: string;
    try {
      real = realpathSync(folder);
    } catch {
      throw new UsageError(`--out ${out}: the folder ${dirname(out)} does not exist (create it first)`);
    }
    if (!statSync(real).isDirectory()) throw new UsageError(`--out ${out}: ${dirname(out)} is not a folder`);
    target = join(real, basename(out));
  }
  try {
    accessSync(dirname(target), constants.W_OK);
  } catch {
    throw new UsageError(`--out ${out}: the folder ${dirname(out)} is not writable`);
  }
  for (const [flag, path] of inputs) {
    if (path === undefined) continue;
    const inSt = statOrUndefined(path, flag);
    const same = inSt
      ? realpathSync(path) === target || (st !== undefined && inSt.dev === st.dev && inSt.ino === st.ino)
      : resolve(path) === resolve(out);
    if (same) {
      throw new UsageError(
        `--out ${out}: is the same file as ${flag === 'data' ? 'the input data' : flag} ${path}; writing there would destroy it (choose another output path)`,
      );
    }
  }
  return { shown: out, target, ...(st ? { mode: st.mode & 0o7777 } : {}) };
}

/** Write the whole file or nothing: a temporary file in the same folder, renamed over the target. */
function writeOutput(out: OutputFile, contents: Uint8Array | string): void {
  const tmp = join(
    dirname(out.target),
    `.${basename(out.target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    writeFileSync(tmp, contents, { flag: 'wx' });
    if (out.mode !== undefined) chmodSync(tmp, out.mode);
    renameSync(tmp, out.target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    throw new UsageError(
      `--out ${out.shown}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

function csvText(m: Matrix): string {
  const lines: string[] = [];
  for (let i = 0; i < m.rows; i++)
    lines.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), (v) => String(v)).join(','));
  return `${lines.join('\n')}\n`;
}

function number(flag: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = parseDecimal(v);
  if (n === undefined || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
    throw new UsageError(
      `--${flag} ${JSON.stringify(v)}: expected ${integer ? 'an integer' : 'a decimal number'}${/^\s*[+-]?0[xbo]/i.test(v) ? ' (hexadecimal, binary and octal are not accepted)' : ''}`,
    );
  }
  return n;
}

function trainConfig(values: Record<string, string | boolean | undefined>, inputSize: number): AutoencoderConfig {
  const s = (k: string) => values[k] as string | undefined;
  const config: Record<string, unknown> = { inputSize, seed: number('seed', s('seed'), true) ?? 1 };
  if (s('layers'))
    config.layers = (s('layers') as string).split(',').map((u) => ({ units: number('layers', u, true) }));
  else config.hiddenSize = number('hidden', s('hidden'), true) ?? 32;
  if (s('activation')) config.hiddenActivation = s('activation');
  if (s('loss')) config.loss = s('loss');
  if (s('optimizer')) config.optimizer = { kind: s('optimizer') };
  if (s('l2')) config.l2 = number('l2', s('l2'));
  if (s('contractive')) config.contractive = number('contractive', s('contractive'));
  if (s('vae')) config.vae = { latentSize: number('vae', s('vae'), true) };
  if (s('sparsity')) {
    const [rho, beta] = (s('sparsity') as string).split(',');
    config.sparsity = { rho: number('sparsity', rho), beta: number('sparsity', beta ?? '1') };
  }
  if (s('denoise')) {
    const [kind, p] = (s('denoise') as string).split(':');
    const amount = number('denoise', p ?? '');
    const field = DENOISE.find(([k]) => k === kind)?.[1];
    config.corruption = field === undefined ? { kind } : { kind, [field]: amount };
  }
  return config as unknown as AutoencoderConfig;
}

/** A model file (from train or save()), or a .safetensors file (from export or PyTorch's train.py). */
async function loadModel(path: string | undefined, worker: boolean): Promise<Autoencoder> {
  if (!path) throw new UsageError('--model FILE is required');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const options = { backend: worker ? ('worker' as const) : ('inline' as const) };
  return extname(path).toLowerCase() === '.safetensors'
    ? Autoencoder.fromSafetensors(bytes, options)
    : Autoencoder.load(bytes, options);
}

/**
 * Check a folder `--out` before any work: it is a writable folder, or it is missing and its
 * parent is a writable folder (it is made when the files are written); each file to be
 * written there is checked as a file `--out` (none of them may be an input).
 */
function checkOutputFolder(
  out: string,
  names: readonly string[],
  inputs: ReadonlyArray<readonly [flag: string, path: string | undefined]>,
): OutputFile[] {
  const st = statOrUndefined(out, '--out');
  if (st && !st.isDirectory())
    throw new UsageError(`--out ${out}: is a file, expected a folder (it is made if missing)`);
  if (!st) {
    const parent = dirname(resolve(out));
    const p = statOrUndefined(parent, '--out');
    if (!p?.isDirectory())
      throw new UsageError(`--out ${out}: the folder ${dirname(out)} does not exist (create it first)`);
    try {
      accessSync(parent, constants.W_OK);
    } catch {
      throw new UsageError(`--out ${out}: the folder ${dirname(out)} is not writable`);
    }
    return names.map((n) => ({ shown: join(out, n), target: join(resolve(out), n) }));
  }
  return names.map((n) => checkOutput(join(out, n), inputs));
}

/** The formats that take `--flag`. */
const formatsWith = (flag: string) =>
  Object.entries(EXPORT_FORMATS)
    .filter(([, f]) => f.flags?.includes(flag))
    .map(([name]) => name)
    .join(', ');

function exportFormat(name: string | undefined): ExportFormat {
  const format = name === undefined ? undefined : EXPORT_FORMATS[name];
  if (!format || !Object.hasOwn(EXPORT_FORMATS, name as string)) {
    throw new UsageError(
      `--format ${name === undefined ? 'is required' : JSON.stringify(name)}: expected one of ${Object.keys(EXPORT_FORMATS).join(', ')}`,
    );
  }
  return format;
}

/** `diabolo export`: every output checked, then the model loaded and written in the format. */
async function exportCommand(
  values: Record<string, string | boolean | undefined>,
  positionals: string[],
  worker: boolean,
): Promise<void> {
  if (positionals.length > 0) {
    throw new UsageError(`export reads no data file (${positionals[0]}): the model is named by --model`);
  }
  const format = exportFormat(values.format as string | undefined);
  for (const flag of Object.values(EXPORT_FORMATS).flatMap((f) => f.flags ?? [])) {
    if (values[flag] !== undefined && !format.flags?.includes(flag)) {
      throw new UsageError(`--${flag} applies to --format ${formatsWith(flag)} only`);
    }
  }
  const problem = format.check?.(values);
  if (problem) throw new UsageError(problem);
  const modelPath = required(values, 'model');
  const outPath = required(values, 'out');
  const inputs = [['--model', modelPath]] as const;
  const targets =
    format.out === 'folder' ? checkOutputFolder(outPath, format.names ?? [], inputs) : [checkOutput(outPath, inputs)];
  const ae = await loadModel(modelPath, worker);
  try {
    const files = await format.files(ae, values);
    if (format.out === 'folder') mkdirSync(outPath, { recursive: true });
    const names = format.out === 'folder' ? (format.names ?? []) : [''];
    names.forEach((name, i) => {
      const contents = files[name];
      if (contents === undefined) throw new Error(`export: the format gave no ${name}`);
      writeOutput(targets[i] as OutputFile, contents);
    });
    console.log(
      `wrote ${format.out === 'folder' ? `${names.join(', ')} to ${outPath}` : outPath} (${format.summary?.(values) ?? values.format}: ${ae.topology.layers.length} layers, ${ae.topology.parameterCount} parameters)`,
    );
  } finally {
    await ae.dispose();
  }
}

function required(values: Record<string, unknown>, flag: string): string {
  const v = values[flag];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${flag} is required`);
  return v;
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(HELP.main);
    return;
  }
  if (command === '--version' || command === '-v') {
    console.log(packageVersion());
    return;
  }
  if (!(command in HELP) || command === 'main')
    throw new UsageError(`unknown command ${JSON.stringify(command)}\n\n${HELP.main}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      out: { type: 'string' },
      model: { type: 'string' },
      hidden: { type: 'string' },
      layers: { type: 'string' },
      activation: { type: 'string' },
      loss: { type: 'string' },
      sparsity: { type: 'string' },
      denoise: { type: 'string' },
      contractive: { type: 'string' },
      l2: { type: 'string' },
      vae: { type: 'string' },
      optimizer: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      validation: { type: 'string' },
      'label-column': { type: 'string' },
      seed: { type: 'string' },
      count: { type: 'string' },
      format: { type: 'string' },
      part: { type: 'string' },
      worker: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP[command]);
    return;
  }
  const worker = values.worker === true;
  if (command === 'export') return exportCommand(values, positionals, worker);
  const dataArg = () => {
    const path = positionals[0];
    if (!path) throw new UsageError(`a data file is required\n\n${HELP[command]}`);
    return readData(path, values['label-column']);
  };
  // Every output is checked before any input is read or any work starts.
  const out =
    command === 'train' || command === 'encode' || command === 'decode' || command === 'sample'
      ? checkOutput(required(values, 'out'), [
          ['data', command === 'sample' ? undefined : positionals[0]],
          ['--model', command === 'train' ? undefined : values.model],
        ])
      : undefined;
  const output = (): OutputFile => {
    if (!out) throw new UsageError('--out is required');
    return out;
  };
  if (command === 'train') {
    const x = dataArg();
    const ae = await Autoencoder.create(trainConfig(values, x.cols), { backend: worker ? 'worker' : 'inline' });
    try {
      const validation = number('validation', values.validation);
      const progress = new TrainingProgress((p) => `epoch ${p.epoch}/${p.epochs}`);
      const result = await ae.fit(x, {
        epochs: number('epochs', values.epochs, true) ?? 10,
        ...(values.batch ? { batchSize: number('batch', values.batch, true) } : {}),
        ...(values.lr ? { learningRate: number('lr', values.lr) } : {}),
        ...(validation ? { validationSplit: validation } : {}),
        onBatchEnd: progress.onBatchEnd,
        onEpochEnd: (p) =>
          progress.epochDone(
            `epoch ${p.epoch}/${p.epochs}  loss ${p.loss.toFixed(4)}${p.validationLoss === undefined ? '' : `  validation ${p.validationLoss.toFixed(4)}`}  ${Math.round(p.samplesPerSecond)} samples/s`,
          ),
      });
      writeOutput(output(), await ae.save());
      console.log(
        `saved ${output().shown} (${result.history.length} epochs, ${(result.elapsedMs / 1000).toFixed(1)} s)`,
      );
    } finally {
      await ae.dispose();
    }
    return;
  }
  const ae = await loadModel(values.model, worker);
  try {
    if (command === 'inspect') {
      const weights = await ae.getWeights();
      console.log(JSON.stringify({ config: ae.config, parameters: weights.length, codeSize: ae.codeSize }, null, 2));
    } else if (command === 'encode') {
      const codes = await ae.encode(dataArg());
      writeOutput(output(), csvText(codes));
      console.log(`wrote ${codes.rows} codes of ${codes.cols} values to ${output().shown}`);
    } else if (command === 'decode') {
      const x = await ae.decode(dataArg());
      writeOutput(output(), csvText(x));
      console.log(`wrote ${x.rows} reconstructions of ${x.cols} values to ${output().shown}`);
    } else if (command === 'sample') {
      const samples = await ae.sample(
        number('count', required(values, 'count'), true) as number,
        number('seed', values.seed, true) ?? 1,
      );
      writeOutput(output(), csvText(samples));
      console.log(`wrote ${samples.rows} samples to ${output().shown}`);
    } else if (command === 'eval') {
      const e = await ae.evaluate(dataArg());
      console.log(
        `reconstruction loss ${e.reconstruction.toFixed(4)} per sample${e.elbo === undefined ? '' : `; ELBO ${e.elbo.toFixed(2)} nats`}`,
      );
    }
  } finally {
    await ae.dispose();
  }
}

run(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof DiaboloError ? `${e.code}: ${e.message}` : (e as Error).message;
  console.error(`diabolo: ${message}`);
  process.exitCode = 2;
});
