// Autoencoder calls: training, evaluation, inference, parameters and training state. Every
// call that copies arrays in or out asks the registry for room first (inputs and estimated
// outputs); loss terms come back by name (reports.ts).

import { EVAL_CHUNK_ROWS } from '../base/limits.js';
import type { Topology } from '../base/types.js';
import type { ModelCalls } from './calls.js';
import type { Handles } from './handles.js';
import { array, count } from './memory.js';
import { take, takeTerms } from './reports.js';

export function modelCalls(h: Handles): ModelCalls {
  return {
    createModel(specJson) {
      const glue = h.core();
      const m = h.run(() => new glue.Model(specJson));
      const id = h.track(m);
      h.widths.set(id, { inputs: (JSON.parse(specJson) as { inputSize: number }).inputSize, outputs: m.codeSize });
      return id;
    },

    trainEpoch(model, dataset, batchSize, learningRate) {
      const m = h.model(model);
      const d = h.dataset(dataset);
      const t0 = performance.now();
      const r = h.run(() =>
        take(m.trainEpoch(d, batchSize, learningRate), (r) => ({
          terms: takeTerms(r.terms),
          batches: r.batches,
          samples: r.samples,
        })),
      );
      return { ...r, ms: performance.now() - t0 };
    },

    beginEpoch(model, dataset) {
      const m = h.trainable(model);
      const d = h.dataset(dataset);
      h.run(() => m.beginEpoch(d));
    },

    trainBatches(model, dataset, batchSize, learningRate, first, count) {
      const m = h.model(model);
      const d = h.dataset(dataset);
      const t0 = performance.now();
      const r = h.run(() =>
        take(m.trainBatches(d, batchSize, learningRate, first, count), (r) => ({
          sums: takeTerms(r.sums),
          batches: r.batches,
          epochTerms: takeTerms(r.epochTerms),
        })),
      );
      return { sums: r.sums, batches: r.batches, ms: performance.now() - t0, epochTerms: r.epochTerms };
    },

    evaluate(model, dataset) {
      const m = h.model(model);
      const d = h.dataset(dataset);
      return h.run(() => takeTerms(m.evaluate(d)));
    },

    resetDivergenceWatch(model) {
      const m = h.model(model);
      h.run(() => m.resetDivergenceWatch());
    },

    setKlScale(model, scale) {
      const m = h.model(model);
      h.run(() => m.setKlScale(scale));
    },

    setClipNorm(model, maxNorm) {
      const m = h.model(model);
      h.run(() => m.setClipNorm(maxNorm));
    },

    encode(model, data, rows) {
      const m = h.model(model);
      const { outputs } = h.widthsOf(model);
      h.room('encode', [['input', data.length * 4], array('codes', rows, outputs)]);
      return h.run(() => m.encode(data, rows));
    },

    encodeDataset(model, dataset) {
      const m = h.model(model);
      const d = h.dataset(dataset);
      h.room('encode', [array('codes', d.rows, h.widthsOf(model).outputs)]);
      return h.track(h.run(() => m.encodeDataset(d)));
    },

    decode(model, codes, rows) {
      const m = h.model(model);
      const { inputs } = h.widthsOf(model);
      h.room('decode', [['codes', codes.length * 4], array('reconstructions', rows, inputs)]);
      return h.run(() => m.decode(codes, rows));
    },

    reconstruct(model, data, rows) {
      const m = h.model(model);
      const { inputs, outputs } = h.widthsOf(model);
      h.room('reconstruct', [
        ['input', data.length * 4],
        array('codes', rows, outputs),
        array('reconstructions', rows, inputs),
      ]);
      return h.run(() => m.reconstruct(data, rows));
    },

    errors(model, data, rows) {
      const m = h.model(model);
      const { inputs } = h.widthsOf(model);
      h.room('reconstruction errors', [
        ['input', data.length * 4],
        [`errors (${count(rows)} per sample + ${inputs} per feature, float64)`, (count(rows) + inputs) * 8],
      ]);
      return h.run(() => m.errors(data, rows));
    },

    sample(model, samples, seed) {
      const m = h.model(model);
      const { inputs, outputs } = h.widthsOf(model);
      h.room(`sample: ${samples} samples`, [
        array('latent draws', samples, outputs),
        array('samples', samples, inputs),
      ]);
      return h.run(() => m.sample(samples, seed));
    },

    iwaeBound(model, dataset, k, seed) {
      const m = h.model(model);
      const d = h.dataset(dataset);
      // The core keeps k log-weights per row of each chunk of rows.
      h.room(`iwaeBound: k = ${k}`, [array('log-weights', Math.min(EVAL_CHUNK_ROWS, d.rows), count(k), 8)]);
      return h.run(() => m.iwaeBound(d, k, seed));
    },

    jacobianNorm(model, dataset) {
      const m = h.model(model);
      const d = h.dataset(dataset);
      return h.run(() => m.jacobianNorm(d));
    },

    parameters(model) {
      const m = h.model(model);
      return h.run(() => m.parameters());
    },

    topology(model) {
      const m = h.model(model);
      return JSON.parse(h.run(() => m.topology())) as Topology;
    },

    setParameters(model, params) {
      const m = h.model(model);
      h.run(() => m.setParameters(params));
    },

    layer(model, decoder, i) {
      const m = h.model(model);
      return h.run(() => m.layer(decoder, i));
    },

    setLayer(model, decoder, i, w, b) {
      const m = h.model(model);
      h.run(() => m.setLayer(decoder, i, w, b));
    },

    state(model) {
      const m = h.trainable(model);
      return h.run(() => ({
        parameters: m.parameters(),
        trainHeader: m.trainStateHeader(),
        optimizer: m.optimizerState(),
      }));
    },

    setState(model, s) {
      const m = h.trainable(model);
      h.run(() => m.setParameters(s.parameters));
      h.run(() => m.setTrainState(s.trainHeader, s.optimizer));
    },
  };
}
