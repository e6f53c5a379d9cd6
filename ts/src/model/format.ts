import { DiaboloError } from '../base/errors.js';
import { TRAIN_HEADER_WORDS } from '../base/limits.js';
import type { AutoencoderConfig } from '../base/types.js';
import type { ModelState } from '../core/calls.js';
import {
  optimizerSlots,
  parameterTensors,
  type ResolvedAutoencoderConfig,
  resolveAutoencoderConfig,
  type Tensor,
} from './config.js';
import { crc32 } from './crc32.js';

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
 * | 4 | CRC-32 (IEEE) of all the bytes before it (u32) — from version 2 on |
 *
 * Loading checks the checksum first (any single damaged bit, any damaged run of up to 32
 * bits is caught for sure), then every length against the file size before allocating
 * anything; it re-validates the configuration, checks that the counts are those of that
 * configuration and that every parameter and optimizer moment is finite, so a damaged or
 * inconsistent file gives `E_FORMAT`, never a crash and never a model with damaged weights.
 * Version 1 files (no checksum) still load, with every check but the checksum.
 */
export const MAGIC = 'DIABOLO\0';
/** Version of the model file format that {@link Autoencoder.save} writes; {@link Autoencoder.load} reads it and every older one. */
export const FORMAT_VERSION = 2;
/** The first version that ends with a checksum. */
const CHECKSUM_SINCE = 2;
const PREFIX = 16;
const CHECKSUM_BYTES = 4;
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

const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;

export async function encodeModel(config: ResolvedAutoencoderConfig, state: ModelState): Promise<Uint8Array> {
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
  const body = PREFIX + padded + 4 * (state.parameters.length + TRAIN_HEADER_WORDS + state.optimizer.length);
  const bytes = new Uint8Array(body + CHECKSUM_BYTES);
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
  view.setUint32(body, crc32(bytes.subarray(0, body)), true);
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

/**
 * A resolved configuration as a file holds it, validated like a new one and required to be
 * in resolved form (every default written out, as `save` writes it); `bad` makes the error.
 */
export function checkedConfig(value: unknown, bad: (message: string) => DiaboloError): ResolvedAutoencoderConfig {
  let config: ResolvedAutoencoderConfig;
  try {
    config = resolveAutoencoderConfig(unresolve(value as ResolvedAutoencoderConfig));
  } catch (e) {
    throw bad(`its configuration is invalid: ${(e as Error).message}`);
  }
  if (JSON.stringify(config) !== JSON.stringify(value)) {
    throw bad('its configuration is not in resolved form (edited or damaged header)');
  }
  return config;
}

/** What each optimizer moment of a parameter is called, in the order the file holds them. */
const MOMENTS: Record<number, readonly string[]> = {
  0: [],
  1: ['velocity'],
  2: ['first moment', 'second moment'],
};

export async function decodeModel(
  bytes: Uint8Array,
): Promise<{ config: ResolvedAutoencoderConfig; state: ModelState }> {
  if (!(bytes instanceof Uint8Array)) throw bad('expected a Uint8Array');
  if (bytes.length < PREFIX) throw bad(`${bytes.length} bytes is shorter than the 16-byte prefix`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) throw bad(`wrong magic ${JSON.stringify(magic)} (expected "DIABOLO\\0")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version < 1 || version > FORMAT_VERSION) {
    throw bad(`format version ${version}; this diabolo reads versions 1 to ${FORMAT_VERSION}`);
  }
  // The content: the whole file, or all of it but the checksum that closes it.
  let end = bytes.length;
  if (version >= CHECKSUM_SINCE) {
    if (bytes.length < PREFIX + CHECKSUM_BYTES) {
      throw bad(`${bytes.length} bytes is too short for a version ${version} file (prefix and checksum)`);
    }
    end -= CHECKSUM_BYTES;
    const expected = view.getUint32(end, true);
    const found = crc32(bytes.subarray(0, end));
    if (found !== expected) {
      throw bad(
        `checksum mismatch: the file is damaged (expected CRC-32 ${hex(expected)}, found ${hex(found)} over its first ${end} bytes)`,
      );
    }
  }
  const headerBytes = view.getUint32(12, true);
  if (headerBytes % 4 !== 0 || headerBytes > MAX_HEADER || PREFIX + headerBytes > end) {
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
  if (expected !== end) {
    throw bad(`the header promises ${expected} bytes, the file has ${end} (truncated or padded)`);
  }
  const config = checkedConfig(header.config, bad);
  // The counts must be those of the configuration, tensor by tensor, before the core sees them.
  const tensors = parameterTensors(config);
  const parameterTotal = tensors.reduce((n, t) => n + t.length, 0);
  const moments = MOMENTS[optimizerSlots(config.optimizer)] ?? [];
  if (p !== parameterTotal) {
    throw bad(`parameterCount ${p} is not the ${parameterTotal} parameters of its configuration`);
  }
  if (s !== moments.length * parameterTotal) {
    throw bad(
      `optimizerCount ${s} is not the ${moments.length * parameterTotal} moments of its optimizer ("${config.optimizer.kind}")`,
    );
  }
  let at = PREFIX + headerBytes;
  /** The next `t.length` floats, each finite (and not below `min`). */
  const floats = (into: Float32Array, offset: number, t: Tensor, what: string, min = Number.NEGATIVE_INFINITY) => {
    for (let i = 0; i < t.length; i++) {
      const v = view.getFloat32(at + 4 * i, true);
      if (!Number.isFinite(v) || v < min) {
        throw bad(
          `${what} of ${t.name}: value ${i} of ${t.length} is ${v} (expected a finite number${min === 0 ? ' ≥ 0' : ''})`,
        );
      }
      into[offset + i] = v;
    }
    at += 4 * t.length;
  };
  const parameters = new Float32Array(p);
  let offset = 0;
  for (const t of tensors) {
    floats(parameters, offset, t, 'parameters');
    offset += t.length;
  }
  const trainHeader = new Uint32Array(TRAIN_HEADER_WORDS);
  for (let i = 0; i < TRAIN_HEADER_WORDS; i++) trainHeader[i] = view.getUint32(at + 4 * i, true);
  at += 4 * TRAIN_HEADER_WORDS;
  const optimizer = new Float32Array(s);
  offset = 0;
  for (const t of tensors) {
    for (const moment of moments) {
      // Adam's second moment is a running mean of squared gradients: never negative.
      floats(optimizer, offset, t, `optimizer ${moment}`, moment === 'second moment' ? 0 : Number.NEGATIVE_INFINITY);
      offset += t.length;
    }
  }
  return { config, state: { parameters, trainHeader, optimizer } };
}
