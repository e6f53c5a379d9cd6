import type { ModelState } from '../core/engine.js';
import { DiaboloError } from '../errors.js';
import type { AutoencoderConfig } from '../types.js';
import { type ResolvedAutoencoderConfig, resolveAutoencoderConfig } from './config.js';

/**
 * The model file: one binary, little-endian.
 *
 * | bytes | content |
 * |---|---|
 * | 8 | magic `DIABOLO\0` |
 * | 4 | format version (u32) |
 * | 4 | header length H in bytes (u32, multiple of 4) |
 * | H | JSON header: kind, resolved config, parameter and optimizer counts (space-padded) |
 * | 4·P | parameters (f32) |
 * | 40 | training state: step and RNG (10 × u32) |
 * | 4·S | optimizer moments (f32) |
 *
 * Loading checks every length against the file size before allocating anything, and
 * re-validates the configuration, so a damaged file gives `E_FORMAT`, never a crash.
 */
export const MAGIC = 'DIABOLO\0';
/** Version of the model file format that {@link Autoencoder.save} writes and {@link Autoencoder.load} reads. */
export const FORMAT_VERSION = 1;
const PREFIX = 16;
const TRAIN_HEADER_WORDS = 10;
/** A header is a few kilobytes; anything past this is damage, not a model. */
const MAX_HEADER = 1 << 20;

interface Header {
  kind: 'autoencoder';
  config: ResolvedAutoencoderConfig;
  parameterCount: number;
  optimizerCount: number;
}

function bad(message: string): DiaboloError {
  return new DiaboloError('E_FORMAT', `not a readable diabolo model file: ${message}`);
}

export function encodeModel(config: ResolvedAutoencoderConfig, state: ModelState): Uint8Array {
  const header: Header = {
    kind: 'autoencoder',
    config,
    parameterCount: state.parameters.length,
    optimizerCount: state.optimizer.length,
  };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const total = PREFIX + padded + 4 * (state.parameters.length + TRAIN_HEADER_WORDS + state.optimizer.length);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, padded, true);
  bytes.set(json, PREFIX);
  let at = PREFIX + padded;
  for (const v of state.parameters) {
    view.setFloat32(at, v, true);
    at += 4;
  }
  for (const v of state.trainHeader) {
    view.setUint32(at, v, true);
    at += 4;
  }
  for (const v of state.optimizer) {
    view.setFloat32(at, v, true);
    at += 4;
  }
  return bytes;
}

/** The user-facing config that resolves to `r` (so a saved config is validated like a new one). */
function unresolve(r: ResolvedAutoencoderConfig): AutoencoderConfig {
  return {
    inputSize: r.inputSize,
    layers: r.layers.map((l) => ({
      units: l.units,
      activation: l.activation,
      activationAlpha: l.activationAlpha,
      l2: l.l2,
      contractive: l.contractive,
      ...(l.sparsity ? { sparsity: l.sparsity } : {}),
    })),
    outputActivation: r.outputActivation,
    activationAlpha: r.outputAlpha,
    loss: r.loss,
    tiedWeights: r.tiedWeights,
    corruption: r.corruption,
    optimizer: r.optimizer,
    init: r.init,
    seed: r.seed,
    ...(r.vae ? { vae: r.vae } : {}),
  };
}

export function decodeModel(bytes: Uint8Array): { config: ResolvedAutoencoderConfig; state: ModelState } {
  if (!(bytes instanceof Uint8Array)) throw bad('expected a Uint8Array');
  if (bytes.length < PREFIX) throw bad(`${bytes.length} bytes is shorter than the 16-byte prefix`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) throw bad(`wrong magic ${JSON.stringify(magic)} (expected "DIABOLO\\0")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) throw bad(`format version ${version}; this diabolo reads version ${FORMAT_VERSION}`);
  const headerBytes = view.getUint32(12, true);
  if (headerBytes % 4 !== 0 || headerBytes > MAX_HEADER || PREFIX + headerBytes > bytes.length) {
    throw bad(`header length ${headerBytes} does not fit the ${bytes.length}-byte file`);
  }
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerBytes)));
  } catch (e) {
    throw bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || header.kind !== 'autoencoder') {
    throw bad(`header kind ${JSON.stringify((header as Partial<Header> | null)?.kind)} (expected "autoencoder")`);
  }
  const { parameterCount: p, optimizerCount: s } = header;
  for (const [name, v] of [
    ['parameterCount', p],
    ['optimizerCount', s],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw bad(`${name} ${v} is not a count`);
  }
  const expected = PREFIX + headerBytes + 4 * (p + TRAIN_HEADER_WORDS + s);
  if (expected !== bytes.length) {
    throw bad(`the header promises ${expected} bytes, the file has ${bytes.length} (truncated or padded)`);
  }
  let config: ResolvedAutoencoderConfig;
  try {
    config = resolveAutoencoderConfig(unresolve(header.config));
  } catch (e) {
    throw bad(`its configuration is invalid: ${(e as Error).message}`);
  }
  if (JSON.stringify(config) !== JSON.stringify(header.config)) {
    throw bad('its configuration is not in resolved form (edited or damaged header)');
  }
  const at = PREFIX + headerBytes;
  const floats = (offset: number, n: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + 4 * i, true);
    return out;
  };
  const parameters = floats(at, p);
  const trainHeader = new Uint32Array(TRAIN_HEADER_WORDS);
  for (let i = 0; i < TRAIN_HEADER_WORDS; i++) trainHeader[i] = view.getUint32(at + 4 * (p + i), true);
  const optimizer = floats(at + 4 * (p + TRAIN_HEADER_WORDS), s);
  return { config, state: { parameters, trainHeader, optimizer } };
}
