// The model as data: the core describes every autoencoder (layers, roles, mirrors, tied
// partners, parameter spans); the facade reads that description, and the TypeScript copy
// of the layout used before a core is loaded (parameterTensors) must agree with it.
import { describe, expect, it } from 'vitest';
import { Autoencoder, type AutoencoderConfig } from '../dist/index.node.js';
import { parameterTensors, resolveAutoencoderConfig } from '../dist/model/config.js';

const VARIANTS: Record<string, AutoencoderConfig> = {
  shallow: { inputSize: 6, hiddenSize: 3 },
  deep: { inputSize: 6, layers: [{ units: 4, activation: 'tanh' }, { units: 4 }, { units: 2, activation: 'relu' }] },
  tied: { inputSize: 6, layers: [{ units: 4 }, { units: 2 }], tiedWeights: true },
  bce: { inputSize: 6, layers: [{ units: 3, activation: 'leakyRelu', activationAlpha: 0.2 }], loss: 'bce' },
  vae: { inputSize: 6, layers: [{ units: 4 }, { units: 3 }], vae: { latentSize: 2 } },
};

describe('topology: the model describes itself', () => {
  for (const [name, config] of Object.entries(VARIANTS)) {
    it(`${name}: spans cover the parameters once and match what the layers hold`, async () => {
      const ae = await Autoencoder.create(config);
      try {
        const t = ae.topology;
        const p = await ae.getWeights();
        expect(t.parameterCount).toBe(p.length);
        // The pre-load copy of the layout says the same, tensor by tensor.
        const spans = t.layers.flatMap((l) => [...(l.weights ? [l.weights] : []), l.bias]);
        expect(spans.map((s) => s.shape.reduce((a, b) => a * b, 1))).toEqual(
          parameterTensors(resolveAutoencoderConfig(config)).map((x) => x.length),
        );
        let next = 0;
        for (const s of spans) {
          expect(s.offset).toBe(next);
          next += s.shape.reduce((a, b) => a * b, 1);
        }
        expect(next).toBe(p.length);
        for (const l of t.layers.filter((x) => x.role === 'encoder' || x.role === 'decoder')) {
          const { w, b } = await ae.layerWeights(l.index, l.role === 'decoder');
          expect([w.rows, w.cols]).toEqual([l.outputs, l.inputs]);
          expect(Array.from(b)).toEqual(Array.from(p.subarray(l.bias.offset, l.bias.offset + l.outputs)));
          if (l.weights) {
            expect(Array.from(w.data)).toEqual(
              Array.from(p.subarray(l.weights.offset, l.weights.offset + w.data.length)),
            );
          } else {
            // Tied: the transpose of the encoder layer it names.
            const enc = t.layers.find((x) => x.role === 'encoder' && x.index === l.tiedTo);
            expect(enc?.weights).toBeTruthy();
            const ew = p.subarray(enc?.weights?.offset ?? 0);
            for (let r = 0; r < l.outputs; r++)
              for (let c = 0; c < l.inputs; c++) expect(w.data[r * l.inputs + c]).toBe(ew[c * l.outputs + r]);
          }
          if (l.mirrorOf !== null) {
            const enc = t.layers.find((x) => x.role === 'encoder' && x.index === l.mirrorOf);
            expect([l.inputs, l.outputs]).toEqual([enc?.outputs, enc?.inputs]);
          }
        }
        expect(t.codeSize).toBe(ae.codeSize);
      } finally {
        await ae.dispose();
      }
    });
  }

  it('names the loss link, the activations and the VAE heads', async () => {
    const bce = await Autoencoder.create(VARIANTS.bce as AutoencoderConfig);
    const vae = await Autoencoder.create(VARIANTS.vae as AutoencoderConfig);
    try {
      expect(bce.topology.loss).toEqual({ name: 'bce', link: 'sigmoid' });
      expect(bce.topology.layers[0]).toMatchObject({ role: 'encoder', activation: 'leakyRelu', alpha: 0.2 });
      expect(bce.topology.layers.at(-1)).toMatchObject({
        role: 'decoder',
        activation: 'linear',
        alpha: null,
        mirrorOf: 0,
      });
      expect(vae.topology.loss.link).toBe('identity');
      expect(vae.topology.vae).toEqual({ latent: 2, beta: 1 });
      expect(vae.topology.layers.map((l) => `${l.role}:${l.inputs}→${l.outputs}`)).toEqual([
        'encoder:6→4',
        'encoder:4→3',
        'mean:3→2',
        'logVariance:3→2',
        'decoder:2→3',
        'decoder:3→4',
        'decoder:4→6',
      ]);
      // A VAE's first decoder layer maps the code back; it mirrors no encoder layer.
      expect(vae.topology.layers[4]?.mirrorOf).toBeNull();
      const { w } = await vae.layerWeights(0, true);
      expect([w.rows, w.cols]).toEqual([3, 2]);
    } finally {
      await bce.dispose();
      await vae.dispose();
    }
  });
});
