// ONNX export: a model's dense layers written as an ONNX graph of opset ONNX_OPSET, through
// @bufbuild/protobuf and the official onnx.proto as compiled by the `onnx-buf` package. The
// facade loads this module lazily (it brings the protobuf library), on the first export.
//
// Every layer is one `Gemm` (`y = x · Wᵀ + b`, transB = 1, with W stored `[outputs, inputs]`
// as the core holds it), then its activation. A tied decoder layer has no weights of its own:
// it reads the initializer of the encoder layer it is tied to with transB = 0 (`x · W`), so a
// tied model stores each weight matrix once. Initializers are named like the state_dict of a
// PyTorch module of the same layers: `encoder.<i>.weight` / `.bias` from the input, `mu.*` and
// `logvar.*` (a VAE's heads), `decoder.<j>.*` from the code, a classifier's `head.*`.
import { create, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  type AttributeProtoSchema,
  ModelProtoSchema,
  type NodeProtoSchema,
  TensorProto_DataType,
  type TensorProtoSchema,
  type ValueInfoProtoSchema,
} from 'onnx-buf';
import { DiaboloError } from '../base/errors.js';
import type { ActivationName, TensorSpan, Topology, TopologyLayer } from '../base/types.js';
import { PACKAGE_VERSION } from '../base/version.js';
import { type ClassifierLayout, ONNX_IR_VERSION, ONNX_OPSET, type OnnxPart } from './onnx-options.js';

type NodeInit = MessageInitShape<typeof NodeProtoSchema>;
type TensorInit = MessageInitShape<typeof TensorProtoSchema>;
type ValueInfoInit = MessageInitShape<typeof ValueInfoProtoSchema>;
type AttributeInit = MessageInitShape<typeof AttributeProtoSchema>;

/** One dense layer as the exporter writes it: where its tensors are and what follows the product. */
interface DenseLayer {
  /** Prefix of its node and tensor names (`encoder.0`). */
  name: string;
  inputs: number;
  outputs: number;
  activation: ActivationName;
  alpha: number | null;
  /** The weight initializer, and whether it holds `[outputs, inputs]` (true) or its transpose (tied). */
  weight: { name: string; span: TensorSpan; transB: boolean };
  bias: { name: string; span: TensorSpan };
}

/** What an exported model says about where it comes from. */
interface About {
  /** One line for the model's doc_string. */
  what: string;
  /** The configuration, as JSON in the doc_string and the `diabolo.config` metadata. */
  config: unknown;
  /** `diabolo.part` metadata. */
  part: string;
}

const float = (v: number): AttributeInit => ({ type: AttributeProto_AttributeType.FLOAT, f: v });
const int = (v: number): AttributeInit => ({ type: AttributeProto_AttributeType.INT, i: BigInt(v) });

/** A graph being built: nodes in order, initializers once each, from one parameter vector. */
class Graph {
  readonly nodes: NodeInit[] = [];
  readonly initializers = new Map<string, TensorInit>();

  constructor(private readonly parameters: Float32Array) {}

  /** The initializer `name` holding the values of `span` (added once). */
  tensor(name: string, span: TensorSpan): string {
    if (this.initializers.has(name)) return name;
    const count = span.shape.reduce((a, b) => a * b, 1);
    if (span.offset < 0 || span.offset + count > this.parameters.length) {
      throw new DiaboloError(
        'E_INTERNAL',
        `ONNX export: tensor ${name} [${span.shape}] at ${span.offset} lies outside the ${this.parameters.length} parameters`,
      );
    }
    // raw_data is little-endian whatever the platform.
    const raw = new Uint8Array(4 * count);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < count; i++) view.setFloat32(4 * i, this.parameters[span.offset + i] as number, true);
    this.initializers.set(name, {
      name,
      dims: span.shape.map((d) => BigInt(d)),
      dataType: TensorProto_DataType.FLOAT,
      rawData: raw,
    });
    return name;
  }

  node(
    opType: string,
    name: string,
    input: string[],
    output: string[],
    attributes: Record<string, AttributeInit> = {},
  ) {
    this.nodes.push({
      opType,
      name,
      input,
      output,
      attribute: Object.entries(attributes).map(([n, a]) => ({ ...a, name: n })),
    });
  }

  /** `output = activation(input · Wᵀ + b)`. */
  dense(l: DenseLayer, input: string, output: string): void {
    const w = this.tensor(l.weight.name, l.weight.span);
    const b = this.tensor(l.bias.name, l.bias.span);
    const linear = l.activation === 'linear' ? output : `${l.name}.linear`;
    this.node('Gemm', `${l.name}.gemm`, [input, w, b], [linear], { transB: int(l.weight.transB ? 1 : 0) });
    if (linear !== output) this.activation(l.name, l.activation, l.alpha, linear, output);
  }

  /** The nodes of an activation, from `input` to `output`. Unknown names are refused. */
  activation(name: string, activation: string, alpha: number | null, input: string, output: string): void {
    const node = `${name}.${activation}`;
    switch (activation) {
      case 'linear':
        this.node('Identity', node, [input], [output]);
        return;
      case 'sigmoid':
        this.node('Sigmoid', node, [input], [output]);
        return;
      case 'tanh':
        this.node('Tanh', node, [input], [output]);
        return;
      case 'relu':
        this.node('Relu', node, [input], [output]);
        return;
      case 'leakyRelu':
        this.node('LeakyRelu', node, [input], [output], { alpha: float(slope(name, activation, alpha)) });
        return;
      case 'elu':
        this.node('Elu', node, [input], [output], { alpha: float(slope(name, activation, alpha)) });
        return;
      case 'softplus':
        this.node('Softplus', node, [input], [output]);
        return;
      case 'silu': // a · σ(a)
        this.node('Sigmoid', `${node}.sigmoid`, [input], [`${name}.sigmoid`]);
        this.node('Mul', node, [input, `${name}.sigmoid`], [output]);
        return;
      case 'gelu': // a · Φ(a), the exact (erf) form: Gelu's default approximate = "none"
        this.node('Gelu', node, [input], [output]);
        return;
      default:
        throw new DiaboloError(
          'E_INVALID',
          `ONNX export: ${name} has the activation ${JSON.stringify(activation)}, which has no ONNX form here (known: linear, sigmoid, tanh, relu, leakyRelu, elu, softplus, silu, gelu)`,
        );
    }
  }
}

function slope(layer: string, activation: string, alpha: number | null): number {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) {
    throw new DiaboloError('E_INTERNAL', `ONNX export: ${layer} (${activation}) has no alpha (${alpha})`);
  }
  return alpha;
}

/** A float tensor `[batch, width]`, the batch dimension left free. */
function io(name: string, width: number): ValueInfoInit {
  return {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType: TensorProto_DataType.FLOAT,
          shape: {
            dim: [
              { value: { case: 'dimParam', value: 'batch' } },
              { value: { case: 'dimValue', value: BigInt(width) } },
            ],
          },
        },
      },
    },
  };
}

/** The model's bytes: one graph of `g`'s nodes from `inputs` to `outputs`. */
function model(g: Graph, graphName: string, inputs: ValueInfoInit[], outputs: ValueInfoInit[], about: About) {
  const config = JSON.stringify(about.config);
  const proto = create(ModelProtoSchema, {
    irVersion: BigInt(ONNX_IR_VERSION),
    opsetImport: [{ domain: '', version: BigInt(ONNX_OPSET) }],
    producerName: 'diabolo',
    producerVersion: PACKAGE_VERSION,
    docString: `${about.what}. Configuration: ${config}`,
    metadataProps: [
      { key: 'diabolo.part', value: about.part },
      { key: 'diabolo.config', value: config },
    ],
    graph: {
      name: graphName,
      docString: about.what,
      node: g.nodes,
      initializer: [...g.initializers.values()],
      input: inputs,
      output: outputs,
    },
  });
  return toBinary(ModelProtoSchema, proto);
}

/** The exporter's view of a topology layer (a tied one reads its encoder partner's weights). */
function denseOf(t: Topology, l: TopologyLayer): DenseLayer {
  const name = l.role === 'mean' ? 'mu' : l.role === 'logVariance' ? 'logvar' : `${l.role}.${l.index}`;
  const bias = { name: `${name}.bias`, span: l.bias };
  if (l.weights) return { ...l, name, bias, weight: { name: `${name}.weight`, span: l.weights, transB: true } };
  const partner = t.layers.find((e) => e.role === 'encoder' && e.index === l.tiedTo);
  const [out, inp] = partner?.weights?.shape ?? [];
  if (!partner?.weights || out !== l.inputs || inp !== l.outputs) {
    throw new DiaboloError(
      'E_INTERNAL',
      `ONNX export: ${name} is tied to encoder layer ${l.tiedTo}, which does not fit`,
    );
  }
  // Tied: the decoder's W is the partner's transpose, so x · Wᵀ = x · W_partner (transB = 0).
  return { ...l, name, bias, weight: { name: `encoder.${l.tiedTo}.weight`, span: partner.weights, transB: false } };
}

/**
 * An autoencoder's part as ONNX bytes, from its topology and parameter vector.
 * @param config the configuration recorded in the model's doc_string and metadata
 */
export function autoencoderToOnnx(t: Topology, parameters: Float32Array, part: OnnxPart, config: unknown): Uint8Array {
  if (parameters.length !== t.parameterCount) {
    throw new DiaboloError(
      'E_INTERNAL',
      `ONNX export: ${parameters.length} parameters for a topology of ${t.parameterCount}`,
    );
  }
  const g = new Graph(parameters);
  const of = (role: TopologyLayer['role']) => t.layers.filter((l) => l.role === role).map((l) => denseOf(t, l));
  const encoder = of('encoder');
  const decoder = of('decoder');
  const [mean] = of('mean');
  const [logVariance] = of('logVariance');
  const vae = t.vae !== null;
  if (vae && !(mean && logVariance)) throw new DiaboloError('E_INTERNAL', 'ONNX export: a VAE without its heads');

  /** Layers in a row from `input`; the last writes `output`. */
  const chain = (layers: DenseLayer[], input: string, output: string) => {
    layers.forEach((l, i) => {
      const out = i === layers.length - 1 ? output : `${l.name}.out`;
      g.dense(l, input, out);
      input = out;
    });
    if (layers.length === 0) g.node('Identity', `${output}.identity`, [input], [output]);
  };
  const encode = (codeName: string, withLogvar: boolean) => {
    if (!vae) return chain(encoder, 'x', codeName);
    const h = encoder.length > 0 ? 'hidden' : 'x';
    if (encoder.length > 0) chain(encoder, 'x', h);
    g.dense(mean as DenseLayer, h, codeName);
    if (withLogvar) g.dense(logVariance as DenseLayer, h, 'logvar');
  };
  // BCE: the last layer gives logits, and the reconstruction is their sigmoid (as decode gives it).
  const decode = (input: string) => {
    const link: string = t.loss.link;
    if (link === 'identity') return chain(decoder, input, 'reconstruction');
    if (link !== 'sigmoid') {
      throw new DiaboloError(
        'E_INVALID',
        `ONNX export: the loss ${JSON.stringify(t.loss.name)} links outputs to reconstructions by ${JSON.stringify(link)}, which has no ONNX form here (known: identity, sigmoid)`,
      );
    }
    chain(decoder, input, 'logits');
    g.node('Sigmoid', 'reconstruction.sigmoid', ['logits'], ['reconstruction']);
  };

  const x = io('x', t.inputs);
  const reconstruction = io('reconstruction', t.inputs);
  const about = (what: string): About => ({ what: `diabolo ${PACKAGE_VERSION} autoencoder, ${what}`, config, part });
  if (part === 'encoder') {
    if (vae) {
      encode('mu', true);
      return model(
        g,
        'encoder',
        [x],
        [io('mu', t.codeSize), io('logvar', t.codeSize)],
        about('encoder: x → mu, logvar'),
      );
    }
    encode('code', false);
    return model(g, 'encoder', [x], [io('code', t.codeSize)], about('encoder: x → code'));
  }
  if (part === 'decoder') {
    decode('code');
    return model(g, 'decoder', [io('code', t.codeSize)], [reconstruction], about('decoder: code → reconstruction'));
  }
  if (part === 'autoencoder') {
    encode(vae ? 'mu' : 'code', false);
    decode(vae ? 'mu' : 'code');
    const what = vae ? 'autoencoder: x → reconstruction of the mean code mu' : 'autoencoder: x → reconstruction';
    return model(g, 'autoencoder', [x], [reconstruction], about(what));
  }
  throw new DiaboloError(
    'E_INVALID',
    `ONNX export: part = ${JSON.stringify(part)} is not one of encoder, decoder, autoencoder`,
  );
}

/**
 * A classifier as ONNX bytes: input `x` → outputs `probabilities` (softmax) and `logits`.
 * Its parameters lie per body layer W `[outputs, inputs]` then b, then the head's W and b.
 */
export function classifierToOnnx(c: ClassifierLayout, parameters: Float32Array, config: unknown): Uint8Array {
  const g = new Graph(parameters);
  let offset = 0;
  const span = (shape: number[]): TensorSpan => {
    const s = { offset, shape };
    offset += shape.reduce((a, b) => a * b, 1);
    return s;
  };
  const layer = (name: string, l: ClassifierLayout['body'][number]): DenseLayer => ({
    ...l,
    name,
    weight: { name: `${name}.weight`, span: span([l.outputs, l.inputs]), transB: true },
    bias: { name: `${name}.bias`, span: span([l.outputs]) },
  });
  let input = 'x';
  c.body.forEach((l, i) => {
    const d = layer(`encoder.${i}`, l);
    g.dense(d, input, `${d.name}.out`);
    input = `${d.name}.out`;
  });
  const width = c.body.at(-1)?.outputs ?? c.inputs;
  g.dense(layer('head', { inputs: width, outputs: c.classes, activation: 'linear', alpha: null }), input, 'logits');
  if (offset !== parameters.length) {
    throw new DiaboloError('E_INTERNAL', `ONNX export: ${parameters.length} parameters for a classifier of ${offset}`);
  }
  g.node('Softmax', 'probabilities.softmax', ['logits'], ['probabilities'], { axis: int(-1) });
  const what = `diabolo ${PACKAGE_VERSION} classifier: x → probabilities (softmax of logits), logits`;
  return model(g, 'classifier', [io('x', c.inputs)], [io('probabilities', c.classes), io('logits', c.classes)], {
    what,
    config,
    part: 'classifier',
  });
}
