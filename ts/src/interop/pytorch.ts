// The PyTorch side of an autoencoder: the names its tensors have in the equivalent
// `nn.Module`, and the Python of that module (model.py, generated per model from the core's
// topology and the configuration's penalties, corruption and optimizer) and of the script
// that continues its training with torchrun + DistributedDataParallel (train.py). Plain
// strings, no Node import: this runs in browsers too.
import { DiaboloError } from '../base/errors.js';
import type {
  CorruptionConfig,
  OptimizerConfig,
  SparsityConfig,
  TensorSpan,
  Topology,
  TopologyLayer,
} from '../base/types.js';
import { MODEL_PY_HELPERS, TRAIN_PY } from './torch-templates.js';

/** One tensor of a model under its PyTorch name, and where it lies in the parameter vector. */
export interface NamedTensor {
  /** The `state_dict` key of the equivalent PyTorch module, e.g. `encoder.0.weight`. */
  name: string;
  /** Where the tensor lies in {@link Autoencoder.getWeights} and its shape (`[out, in]` or `[out]`). */
  span: TensorSpan;
}

/** The module attribute of a layer: `encoder.i`, `mu`, `logvar` or `decoder.j`. */
function moduleName(l: TopologyLayer): string {
  switch (l.role) {
    case 'encoder':
      return `encoder.${l.index}`;
    case 'mean':
      return 'mu';
    case 'logVariance':
      return 'logvar';
    case 'decoder':
      return `decoder.${l.index}`;
  }
}

/**
 * The tensors of a model in parameter order, named as in the PyTorch module model.py
 * defines: `encoder.{i}.weight` / `.bias` (encoder layer i, from the input), `mu.*` and
 * `logvar.*` (a VAE's heads), `decoder.{j}.weight` / `.bias` (decoder layer j, from the
 * code). A tied decoder layer has a bias only: its weights are the transpose of
 * `encoder.{tiedTo}.weight`.
 */
export function torchTensors(topology: Topology): NamedTensor[] {
  return topology.layers.flatMap((l) => {
    const m = moduleName(l);
    return [...(l.weights ? [{ name: `${m}.weight`, span: l.weights }] : []), { name: `${m}.bias`, span: l.bias }];
  });
}

/**
 * The parameter vector of a model from tensors found by their PyTorch names (see
 * {@link torchTensors}): each one present with its shape and finite values, none left over.
 * `bad` makes the error (E_FORMAT) naming what is wrong.
 */
export function weightsFromTensors(
  topology: Topology,
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  bad: (message: string) => DiaboloError,
): Float32Array {
  const expected = torchTensors(topology);
  const names = new Set(expected.map((t) => t.name));
  const extra = [...tensors.keys()].filter((k) => !names.has(k));
  if (extra.length > 0) {
    throw bad(
      `unexpected tensor${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')} (this model has ${expected.map((t) => t.name).join(', ')})`,
    );
  }
  const weights = new Float32Array(topology.parameterCount);
  for (const { name, span } of expected) {
    const t = tensors.get(name);
    if (!t) throw bad(`tensor ${JSON.stringify(name)} is missing`);
    if (t.shape.length !== span.shape.length || t.shape.some((d, i) => d !== span.shape[i])) {
      throw bad(
        `tensor ${JSON.stringify(name)} has shape [${t.shape.join(', ')}], this model's is [${span.shape.join(', ')}]`,
      );
    }
    const i = t.data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0)
      throw bad(
        `tensor ${JSON.stringify(name)}: value ${i} of ${t.data.length} is ${t.data[i]} (expected a finite number)`,
      );
    weights.set(t.data, span.offset);
  }
  return weights;
}

/** What the Python generation reads of a configuration besides the topology (a resolved configuration has it). */
export interface TorchExportConfig {
  /** Encoder layers' penalties, input side first. */
  layers: ReadonlyArray<{
    /** L2 weight decay λ (0: none). */
    l2: number;
    /** KL sparsity, or null. */
    sparsity: SparsityConfig | null;
    /** Contractive weight λ (0: none). */
    contractive: number;
  }>;
  /** Input corruption during training. */
  corruption: CorruptionConfig;
  /** The optimizer and its hyper-parameters. */
  optimizer: OptimizerConfig;
}

/** A Python float literal that reads back as the same double. */
function py(v: number): string {
  if (!Number.isFinite(v)) throw new DiaboloError('E_INTERNAL', `PyTorch export: ${v} is not a finite number`);
  const s = String(v);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

function unsupported(what: string, value: string): DiaboloError {
  return new DiaboloError(
    'E_INVALID',
    `toPyTorch: the PyTorch export does not know the ${what} ${JSON.stringify(value)}`,
  );
}

/** `s(a)` in PyTorch, as diabolo defines each activation. */
function activation(l: TopologyLayer, a: string): string {
  const alpha = l.alpha ?? 0;
  switch (l.activation as string) {
    case 'linear':
      return a;
    case 'sigmoid':
      return `torch.sigmoid(${a})`;
    case 'tanh':
      return `torch.tanh(${a})`;
    case 'relu':
      return `torch.relu(${a})`;
    case 'leakyRelu':
      return `F.leaky_relu(${a}, ${py(alpha)})`;
    case 'elu':
      return `F.elu(${a}, ${py(alpha)})`;
    case 'softplus':
      return `F.softplus(${a})`;
    case 'silu':
      return `F.silu(${a})`;
    case 'gelu':
      return `F.gelu(${a})`;
    default:
      throw unsupported('activation', l.activation);
  }
}

/**
 * `s′(a)` in PyTorch, written as diabolo computes it — from the output `h` where it can be
 * (so that autograd's derivative of it is diabolo's `s″`), from `a` otherwise.
 */
function derivative(l: TopologyLayer, a: string, h: string): string {
  const alpha = l.alpha ?? 0;
  switch (l.activation as string) {
    case 'linear':
      return `torch.ones_like(${h})`;
    case 'sigmoid':
      return `${h} * (1 - ${h})`;
    case 'tanh':
      return `1 - ${h} * ${h}`;
    case 'relu':
      return `(${h} > 0).to(${h}.dtype)`;
    case 'leakyRelu':
      return `torch.where(${h} > 0, torch.ones_like(${h}), torch.full_like(${h}, ${py(alpha)}))`;
    case 'elu':
      return `torch.where(${h} > 0, torch.ones_like(${h}), ${h} + ${py(alpha)})`;
    case 'softplus':
      return `-torch.expm1(-${h})`;
    case 'silu':
      return `torch.sigmoid(${a}) * (1 + ${a} * (1 - torch.sigmoid(${a})))`;
    case 'gelu':
      return `0.5 * (1 + torch.erf(${a} / math.sqrt(2))) + ${a} * torch.exp(-0.5 * ${a} * ${a}) / math.sqrt(2 * math.pi)`;
    default:
      throw unsupported('activation', l.activation);
  }
}

function optimizerCode(o: OptimizerConfig): { code: string; doc: string; lr: number } {
  switch (o.kind) {
    case 'sgd':
      return { code: 'torch.optim.SGD(parameters, lr=lr)', doc: 'plain SGD', lr: 0.1 };
    case 'momentum': {
      const m = o.momentum ?? 0.9;
      const nesterov = o.nesterov === true;
      return {
        code: `torch.optim.SGD(parameters, lr=lr, momentum=${py(m)}, nesterov=${nesterov ? 'True' : 'False'})`,
        doc: `SGD with ${nesterov ? 'Nesterov ' : ''}momentum ${m} (v ← μv + g, θ ← θ − lr·v)`,
        lr: 0.1,
      };
    }
    case 'adam':
    case 'adamw': {
      const b1 = o.beta1 ?? 0.9;
      const b2 = o.beta2 ?? 0.999;
      const eps = o.epsilon ?? 1e-8;
      const args = `lr=lr, betas=(${py(b1)}, ${py(b2)}), eps=${py(eps)}`;
      if (o.kind === 'adam') {
        return { code: `torch.optim.Adam(parameters, ${args})`, doc: `Adam (β₁ ${b1}, β₂ ${b2}, ε ${eps})`, lr: 0.001 };
      }
      const wd = o.weightDecay ?? 0.01;
      return {
        code: `torch.optim.AdamW(parameters, ${args}, weight_decay=${py(wd)})`,
        doc: `AdamW (β₁ ${b1}, β₂ ${b2}, ε ${eps}, decoupled weight decay ${wd} on every tensor)`,
        lr: 0.001,
      };
    }
  }
}

function corruptionCode(c: CorruptionConfig): { code: string; doc: string } | null {
  switch (c.kind) {
    case 'none':
      return null;
    case 'mask':
      return {
        doc: `Masking noise: each input set to 0 with probability ${c.nu}.`,
        code: `return x * (torch.rand_like(x) >= ${py(c.nu)}).to(x.dtype)`,
      };
    case 'gaussian':
      return {
        doc: `Additive Gaussian noise of standard deviation ${c.sigma}.`,
        code: `return x + ${py(c.sigma)} * torch.randn_like(x)`,
      };
    case 'saltPepper': {
      const low = c.low ?? 0;
      const high = c.high ?? 1;
      return {
        doc: `Salt and pepper: each input set to ${low} (probability ${c.nu / 2}) or ${high} (probability ${c.nu / 2}).`,
        code: [
          'u = torch.rand_like(x)',
          `return torch.where(u < ${py(c.nu * 0.5)}, torch.full_like(x, ${py(low)}), torch.where(u < ${py(c.nu)}, torch.full_like(x, ${py(high)}), x))`,
        ].join('\n        '),
      };
    }
  }
}

/** A one-line picture of the model: `784 → 256 sigmoid → 784 linear (logits, bce)`. */
export function describeTopology(t: Topology): string {
  const enc = t.layers.filter((l) => l.role === 'encoder');
  const dec = t.layers.filter((l) => l.role === 'decoder');
  const step = (l: TopologyLayer) => `${l.outputs} ${l.activation}${l.tiedTo === null ? '' : ' (tied)'}`;
  const code = t.vae ? [`${t.vae.latent} Gaussian (μ, log σ²; β ${t.vae.beta})`] : [];
  return `${[String(t.inputs), ...enc.map(step), ...code, ...dec.map(step)].join(' → ')}, loss ${t.loss.name}${t.loss.link === 'sigmoid' ? ' (logits)' : ''}`;
}

/** Each loss as diabolo defines it (summed over features, averaged over the minibatch), in PyTorch. */
const RECONSTRUCTION: Readonly<Record<string, string>> = {
  mse: '(out - x).square().sum() / n',
  bce: "F.binary_cross_entropy_with_logits(out, x, reduction='sum') / n  # Σ softplus(a) − x·a",
  l1: '(out - x).abs().sum() / n',
};

/** The generated model.py: the module of this model, its loss as diabolo defines it, its optimizer, load and save. */
export function modelPy(topology: Topology, config: TorchExportConfig, metadata: Record<string, string>): string {
  const t = topology;
  const reconstruction = RECONSTRUCTION[t.loss.name];
  if (reconstruction === undefined) throw unsupported('loss', t.loss.name);
  if (config.layers.length !== t.layers.filter((l) => l.role === 'encoder').length) {
    throw new DiaboloError('E_INTERNAL', 'PyTorch export: the configuration and the topology disagree');
  }
  const enc = t.layers.filter((l) => l.role === 'encoder');
  const dec = t.layers.filter((l) => l.role === 'decoder');
  const vae = t.layers.find((l) => l.role === 'mean');
  const linear = (l: TopologyLayer) => `nn.Linear(${l.inputs}, ${l.outputs})`;
  const init = [
    `self.encoder = nn.ModuleList([${enc.map(linear).join(', ')}])`,
    ...(vae
      ? [`self.mu = nn.Linear(${vae.inputs}, ${vae.outputs})`, `self.logvar = nn.Linear(${vae.inputs}, ${vae.outputs})`]
      : []),
    `self.decoder = nn.ModuleList([${dec.map((l) => (l.tiedTo === null ? linear(l) : `Bias(${l.outputs})`)).join(', ')}])`,
  ];
  const encoderLines = enc.flatMap((l, i) => [
    `a = self.encoder[${l.index}](${i === 0 ? 'x' : 'h'})`,
    `h = ${activation(l, 'a')}`,
    'layers.append((a, h))',
  ]);
  const decoderLines = dec.flatMap((l, j) => {
    const input = j === 0 ? 'z' : 'h';
    const affine =
      l.tiedTo === null
        ? `self.decoder[${l.index}](${input})`
        : `F.linear(${input}, self.encoder[${l.tiedTo}].weight.t(), self.decoder[${l.index}].bias)`;
    return [
      `h = ${activation(l, affine)}${l.tiedTo === null ? '' : `  # tied: encoder ${l.tiedTo}'s weights, transposed`}`,
    ];
  });
  const sparsity: string[] = [];
  const contractive: string[] = [];
  const l2: string[] = [];
  config.layers.forEach((p, i) => {
    const l = enc[i] as TopologyLayer;
    if (p.sparsity) sparsity.push(`kl_sparsity(layers[${i}][1], ${py(p.sparsity.rho)}, ${py(p.sparsity.beta)})`);
    if (p.contractive > 0) {
      contractive.push(
        `contractive(${derivative(l, `layers[${i}][0]`, `layers[${i}][1]`)}, self.encoder[${i}].weight, ${py(p.contractive)})`,
      );
    }
    if (p.l2 > 0) {
      // diabolo decays an encoder layer's weights and, in a deterministic model with untied
      // weights, those of its mirror decoder layer with the same λ; never biases or VAE heads.
      const mirrors = t.vae ? [] : dec.filter((d) => d.mirrorOf === i && d.tiedTo === null);
      const squares = [
        `self.encoder[${i}].weight.square().sum()`,
        ...mirrors.map((d) => `self.decoder[${d.index}].weight.square().sum()`),
      ];
      l2.push(`0.5 * ${py(p.l2)} * (${squares.join(' + ')})`);
    }
  });
  const sum = (xs: string[]) =>
    xs.length === 0
      ? 'x.new_zeros(())'
      : xs.length === 1
        ? xs[0]
        : `(\n            ${xs.join('\n            + ')}\n        )`;
  const corruption = corruptionCode(config.corruption);
  const opt = optimizerCode(config.optimizer);
  const beta = t.vae?.beta ?? 0;
  const lines: string[] = [];
  const add = (indent: number, ...ls: string[]) => {
    for (const l of ls) lines.push(l === '' ? '' : `${' '.repeat(indent)}${l}`);
  };
  add(
    0,
    `"""A PyTorch module equal to a diabolo autoencoder: ${describeTopology(t)}.`,
    '',
    `Generated by ${metadata['diabolo.writer'] ?? 'diabolo'} beside model.safetensors (its weights,`,
    'loaded by name) and train.py (continues training with torchrun + DistributedDataParallel).',
    '',
    "- model(x), reconstruct(x): reconstructions in data space, as diabolo's reconstruct (no",
    '  corruption; a VAE decodes its mean code); encode(x): codes (a VAE: the mean); decode(z);',
    '  output(z): the last layer\'s output (logits for loss "bce").',
    "- loss(x): diabolo's training objective on the minibatch x and its terms (see its doc).",
    '- load(path), save(model, path): safetensors with the configuration in the metadata, which',
    "  diabolo's Autoencoder.fromSafetensors reads back.",
    '"""',
    'import json',
    'import math',
    'import os',
    '',
    'import torch',
    'import torch.nn.functional as F',
    'from torch import nn',
    '',
    '# diabolo\'s resolved configuration of this model (safetensors metadata "diabolo.config").',
    `CONFIG = json.loads(r'''${metadata['diabolo.config'] ?? '{}'}''')`,
    '# What model.safetensors carries as metadata; save() writes the same (and its own writer).',
    `METADATA = json.loads(r'''${JSON.stringify(metadata)}''')`,
    `# diabolo's default learning rate for this optimizer.`,
    `DEFAULT_LEARNING_RATE = ${py(opt.lr)}`,
    '',
    MODEL_PY_HELPERS,
    '',
    'def make_optimizer(parameters, lr=DEFAULT_LEARNING_RATE):',
    `    """The optimizer diabolo trained this model with: ${opt.doc}."""`,
    `    return ${opt.code}`,
    '',
    '',
    'class Autoencoder(nn.Module):',
    `    """${describeTopology(t)}."""`,
    '',
    '    def __init__(self):',
    '        super().__init__()',
  );
  add(8, ...init);
  add(
    0,
    '',
    '    def encoder_layers(self, x):',
    '        """Each encoder layer\'s pre-activation a and output h = s(a), input side first."""',
    '        layers = []',
  );
  add(8, ...encoderLines, 'return layers');
  add(
    0,
    '',
    '    def encode(self, x):',
    `        """Codes: ${vae ? 'the mean μ of q(z|x)' : "the last encoder layer's output"}."""`,
  );
  add(8, vae ? 'return self.mu(self.encoder_layers(x)[-1][1])' : 'return self.encoder_layers(x)[-1][1]');
  add(
    0,
    '',
    '    def output(self, z):',
    `        """The last decoder layer's output${t.loss.link === 'sigmoid' ? ': logits, whose sigmoid is the reconstruction' : ', the reconstruction'}."""`,
  );
  add(8, ...decoderLines, 'return h');
  add(0, '', '    def decode(self, z):', '        """Reconstructions in data space from codes."""');
  add(8, t.loss.link === 'sigmoid' ? 'return torch.sigmoid(self.output(z))' : 'return self.output(z)');
  add(
    0,
    '',
    '    def forward(self, x):',
    '        """decode(encode(x)): diabolo\'s reconstruct."""',
    '        return self.decode(self.encode(x))',
    '',
    '    reconstruct = forward',
    '',
    '    def corrupt(self, x):',
    `        """${corruption ? corruption.doc : 'No corruption (not a denoising model).'}"""`,
    `        ${corruption ? corruption.code : 'return x'}`,
    '',
    '    def loss(self, x, corrupt=None, sample=None, kl_weight=1.0):',
    '        """diabolo\'s training objective on the minibatch x: (total, terms).',
    '',
    '        terms: reconstruction (sum over features, mean over the n samples, against the',
    '        clean x), sparsity (β Σ_j KL(ρ ‖ ρ̂_j), ρ̂ the mean activation over this minibatch,',
    '        clamped to [1e-6, 1 − 1e-6] with the gradient passed through as diabolo does),',
    '        contractive (λ/n Σ_i Σ_j s′(a_ij)² ‖W_j‖²), l2 (λ/2 ‖W‖², weights only, once per',
    "        minibatch), kl (a VAE's KL(q(z|x) ‖ N(0, I)), mean over samples, unweighted);",
    '        total = reconstruction + sparsity + contractive + l2 + β·kl_weight·kl.',
    '        corrupt: corrupt the inputs (default: in train() mode); sample: a VAE samples',
    '        z = μ + σ·ε (default: in train() mode; otherwise z = μ). Neither changes weights.',
    '        """',
    '        corrupt = self.training if corrupt is None else corrupt',
    '        sample = self.training if sample is None else sample',
    '        n = x.shape[0]',
    '        layers = self.encoder_layers(self.corrupt(x) if corrupt else x)',
  );
  if (vae) {
    add(
      8,
      'mu, logvar = self.mu(layers[-1][1]), self.logvar(layers[-1][1])',
      'z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if sample else mu',
    );
  } else {
    add(8, 'z = layers[-1][1]');
  }
  add(
    8,
    'out = self.output(z)',
    'terms = {}',
    `terms["reconstruction"] = ${reconstruction}`,
    `terms["sparsity"] = ${sum(sparsity)}`,
    `terms["contractive"] = ${sum(contractive)}`,
    `terms["l2"] = ${sum(l2)}`,
    `terms["kl"] = ${vae ? 'kl_standard_normal(mu, logvar)' : 'x.new_zeros(())'}`,
    'total = terms["reconstruction"] + terms["sparsity"] + terms["contractive"] + terms["l2"]',
    ...(vae ? [`total = total + ${py(beta)} * kl_weight * terms["kl"]`] : []),
    'return total, terms',
  );
  add(0, '', '', "# The tensors in diabolo's parameter order (getWeights), with their shapes.");
  add(0, `TENSORS = ${JSON.stringify(torchTensors(t).map((x) => [x.name, x.span.shape]))}`);
  return `${lines.join('\n')}\n`;
}

/** The generated train.py: continues training with torchrun + DistributedDataParallel. */
export function trainPy(): string {
  return TRAIN_PY;
}
