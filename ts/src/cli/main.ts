#!/usr/bin/env node
// The diabolo command line: train, encode, decode, sample, eval and inspect autoencoders on
// CSV, MNIST IDX, NumPy .npy and JSON files. Errors name the file, line or flag and exit 2.
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  Autoencoder,
  type AutoencoderConfig,
  DiaboloError,
  type Matrix,
  parseCsv,
  parseIdx,
  parseNpy,
  toMatrixFromRows,
} from './io.js';
import { TrainingProgress } from './progress.js';

const HELP: Record<string, string> = {
  main: `usage: diabolo <command> [options]   (diabolo <command> --help for details)

commands:
  train <data>     train an autoencoder and save it
  encode <data>    write the codes of the data
  decode <codes>   write reconstructions of codes
  sample           draw new samples from a variational model
  eval <data>      print the reconstruction loss (and ELBO) of the data
  inspect          print a model file's configuration

options:
  -h, --help       this help (after a command: that command's options)
  -v, --version    print diabolo's version

data files: .csv (numbers; a header line is detected), .json (array of rows, or
{ rows, cols, data }), .npy (1-D or 2-D float32/float64/uint8/int32), MNIST IDX
(*-idx3-ubyte: images scaled to [0, 1]).`,
  train: `usage: diabolo train <data> --out model.dia [options]
  --hidden N           one hidden layer of N units (default 32)
  --layers A,B,…       several encoder layers (a deep autoencoder)
  --activation NAME    linear, sigmoid (default), tanh, relu, leakyRelu, elu, softplus
  --loss mse|bce       reconstruction loss (default mse)
  --sparsity RHO,BETA  KL sparsity on the codes
  --denoise KIND:P     corruption: mask:NU, gaussian:SIGMA or saltPepper:NU
  --contractive L      contractive penalty weight
  --l2 L               weight decay
  --vae Z              a variational autoencoder with a Z-dimensional code
  --optimizer NAME     sgd (default), momentum, adam, adamw
  --epochs N           (default 10)   --batch N (default 32)   --lr X
  --validation F       fraction held out for validation (e.g. 0.1)
  --label-column last  ignore a label column of a CSV file
  --seed N             (default 1)    --worker  train in a worker thread`,
  encode: 'usage: diabolo encode <data> --model model.dia --out codes.csv [--label-column last]',
  decode: 'usage: diabolo decode <codes> --model model.dia --out data.csv',
  sample: 'usage: diabolo sample --model model.dia --count N --out samples.csv [--seed N]',
  eval: 'usage: diabolo eval <data> --model model.dia [--label-column last]',
  inspect: 'usage: diabolo inspect --model model.dia',
};

class UsageError extends Error {}

/** The installed package's version, from its package.json (dist/cli/ → the package root). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function readData(path: string, labelColumn?: string): Matrix {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return parseNpy(bytes, path);
  if (path.includes('idx') || ext === '.idx') {
    const idx = parseIdx(bytes, path);
    const [n = 0, ...rest] = idx.shape;
    const cols = rest.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n * cols);
    for (let i = 0; i < data.length; i++) data[i] = (idx.data[i] as number) / 255;
    return { rows: n, cols, data };
  }
  const text = new TextDecoder().decode(bytes);
  if (ext === '.json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new DiaboloError('E_FORMAT', `${path}: not valid JSON (${(e as Error).message})`);
    }
    return toMatrixFromRows(json, path);
  }
  const label = labelColumn === undefined ? undefined : labelColumn === 'last' ? 'last' : Number(labelColumn);
  return parseCsv(text, { source: path, ...(label === undefined ? {} : { labelColumn: label }) }).matrix;
}

function writeCsv(path: string, m: Matrix): void {
  const lines: string[] = [];
  for (let i = 0; i < m.rows; i++)
    lines.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), (v) => String(v)).join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function number(flag: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} ${JSON.stringify(v)}: expected ${integer ? 'an integer' : 'a number'}`);
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
    config.corruption =
      kind === 'gaussian'
        ? { kind, sigma: amount }
        : kind === 'mask' || kind === 'saltPepper'
          ? { kind, nu: amount }
          : { kind };
  }
  return config as unknown as AutoencoderConfig;
}

async function loadModel(path: string | undefined, worker: boolean): Promise<Autoencoder> {
  if (!path) throw new UsageError('--model FILE is required');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return Autoencoder.load(bytes, { backend: worker ? 'worker' : 'inline' });
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
      worker: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP[command]);
    return;
  }
  const worker = values.worker === true;
  const dataArg = () => {
    const path = positionals[0];
    if (!path) throw new UsageError(`a data file is required\n\n${HELP[command]}`);
    return readData(path, values['label-column']);
  };
  if (command === 'train') {
    const x = dataArg();
    const out = required(values, 'out');
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
      writeFileSync(out, await ae.save());
      console.log(`saved ${out} (${result.history.length} epochs, ${(result.elapsedMs / 1000).toFixed(1)} s)`);
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
      const out = required(values, 'out');
      const codes = await ae.encode(dataArg());
      writeCsv(out, codes);
      console.log(`wrote ${codes.rows} codes of ${codes.cols} values to ${out}`);
    } else if (command === 'decode') {
      const out = required(values, 'out');
      const x = await ae.decode(dataArg());
      writeCsv(out, x);
      console.log(`wrote ${x.rows} reconstructions of ${x.cols} values to ${out}`);
    } else if (command === 'sample') {
      const out = required(values, 'out');
      const samples = await ae.sample(
        number('count', required(values, 'count'), true) as number,
        number('seed', values.seed, true) ?? 1,
      );
      writeCsv(out, samples);
      console.log(`wrote ${samples.rows} samples to ${out}`);
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
