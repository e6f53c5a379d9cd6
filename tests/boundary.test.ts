// The JS ↔ WASM boundary on the built package: the limits the facade checks are the ones the
// core enforces, core errors cross as JS Errors with a `code` property (no message parsing),
// and the engine object answers exactly the calls its surface declares.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { kinds } from '../dist/base/check.js';
import {
  BYTES_PER_PARAMETER,
  EVAL_CHUNK_ROWS,
  MAX_MODEL_BYTES,
  MAX_SEED,
  MAX_UNITS,
  SEED_RANGE,
  TRAIN_HEADER_WORDS,
} from '../dist/base/limits.js';
import { ENGINE_CALLS } from '../dist/core/calls.js';
import { createEngine } from '../dist/core/engine.js';
import type { AutoencoderConfig } from '../dist/index.node.js';
import { coreSpec, resolveAutoencoderConfig } from '../dist/model/config.js';
import createGlue, { type Glue } from '../dist/wasm/glue.js';

let glue: Glue;
beforeAll(async () => {
  glue = createGlue();
  const binary = await readFile(new URL('../dist/wasm/diabolo-simd128.wasm', import.meta.url));
  await glue.instantiate(await WebAssembly.compile(binary));
});

/** What `f` throws. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('limits', () => {
  it('the facade checks the limits the core enforces', () => {
    const limits = glue.coreLimits();
    try {
      expect({
        maxUnits: limits.maxUnits,
        maxSeed: limits.maxSeed,
        trainHeaderWords: limits.trainHeaderWords,
        maxModelBytes: limits.maxModelBytes,
        bytesPerParameter: limits.bytesPerParameter,
        evalChunkRows: limits.evalChunkRows,
      }).toEqual({
        maxUnits: MAX_UNITS,
        maxSeed: MAX_SEED,
        trainHeaderWords: TRAIN_HEADER_WORDS,
        maxModelBytes: MAX_MODEL_BYTES,
        bytesPerParameter: BYTES_PER_PARAMETER,
        evalChunkRows: EVAL_CHUNK_ROWS,
      });
    } finally {
      limits.free();
    }
  });

  it('a seed out of range is refused in the same words by the facade and the binding', () => {
    expect(kinds.seed.expected).toBe(SEED_RANGE);
    expect(kinds.seed.test(MAX_SEED)).toBe(true);
    expect(kinds.seed.test(MAX_SEED + 1)).toBe(false);
    const e = thrown(() => new glue.Classifier(2, 2, '{"kind":"sgd"}', 0, MAX_SEED + 1)) as Error;
    expect(e.message).toBe(`seed = 9007199254740992 is not allowed: expected ${SEED_RANGE}`);
  });

  it('the training state header has the words a model file holds, and no other length is taken', () => {
    const config = resolveAutoencoderConfig({ inputSize: 4, hiddenSize: 2 });
    const model = new glue.Model(coreSpec(config));
    try {
      const header = model.trainStateHeader();
      expect(header.length).toBe(TRAIN_HEADER_WORDS);
      const e = thrown(() => model.setTrainState(header.subarray(1), model.optimizerState())) as Error & {
        code?: string;
      };
      expect([e.code, e.message]).toEqual(['E_SHAPE', 'train state header: expected shape [10], got [9]']);
    } finally {
      model.free();
    }
  });
});

describe('rules the facade checks early and the core checks again', () => {
  /**
   * The facade's message for `config`, and the core's for the spec of `valid` changed by
   * `change` into the same mistake (sent to it unchecked).
   */
  function bothSay(
    config: AutoencoderConfig,
    valid: AutoencoderConfig,
    change: (spec: Record<string, unknown>) => void,
  ): [string, string] {
    const facade = thrown(() => resolveAutoencoderConfig(config)) as Error;
    const spec = JSON.parse(coreSpec(resolveAutoencoderConfig(valid)));
    change(spec);
    const core = thrown(() => new glue.Model(JSON.stringify(spec))) as Error;
    return [facade.message, core.message];
  }

  it('are stated in the same words', () => {
    const vae = { inputSize: 4, hiddenSize: 3, vae: { latentSize: 2 } };
    const [tiedFacade, tiedCore] = bothSay({ ...vae, tiedWeights: true }, vae, (s) => {
      s.tiedWeights = true;
    });
    expect(tiedCore).toBe(tiedFacade);
    expect(tiedCore).toBe('tiedWeights = true is not allowed: expected false for a variational autoencoder');

    const bce = { inputSize: 4, hiddenSize: 2, loss: 'bce' } as const;
    const [bceFacade, bceCore] = bothSay({ ...bce, outputActivation: 'sigmoid' }, bce, (s) => {
      s.outputActivation = 'sigmoid';
    });
    // (The core names the value without quotes; the rule is the same.)
    const rule = (message: string) => message.slice(message.indexOf('expected '));
    expect(rule(bceCore)).toBe(rule(bceFacade));

    const small = { inputSize: 4, hiddenSize: 2 };
    const [wideFacade, wideCore] = bothSay({ ...small, inputSize: MAX_UNITS + 1 }, small, (s) => {
      s.inputSize = MAX_UNITS + 1;
    });
    expect(wideCore).toBe(wideFacade);
  });
});

describe('errors', () => {
  it('a core error is a JS Error with the stable code as a property and the message as the core wrote it', () => {
    const e = thrown(() => new glue.Dataset(new Float32Array(3), 2, 2));
    expect(e).toBeInstanceOf(Error);
    expect((e as { code?: unknown }).code).toBe('E_SHAPE');
    expect((e as Error).message).toBe('dataset: expected shape [2, 2] (4 values), got 3 values');
  });
});

describe('the engine', () => {
  it('answers exactly the calls its surface declares', () => {
    const engine = createEngine() as unknown as Record<string, unknown>;
    const own = Object.keys(engine).filter((k) => typeof engine[k] === 'function');
    expect(own.sort()).toEqual([...ENGINE_CALLS].sort());
  });
});
