// Writes model-v1.bin and model-v1.json: a model file of format version 1 (no checksum) and
// what that model computes. They were made once, with the package as it was at commit
// 3c9ab9a (the last writer of version 1), and are kept as they are: tests/model-file.test.ts
// loads them to show that files written before the checksum still load and compute the same.
// It refuses to run with a build that writes another version.
//   npm run build:ts && node tests/golden/model/make-v1.mjs
import { writeFileSync } from 'node:fs';
import { Autoencoder, FORMAT_VERSION, shapes } from '../../../dist/index.node.js';

if (FORMAT_VERSION !== 1) {
  throw new Error(`this build writes format version ${FORMAT_VERSION}: model-v1.bin must stay a version 1 file`);
}

const data = shapes({ count: 32, size: 8, seed: 3 }); // 64 features
const ae = await Autoencoder.create({
  inputSize: 64,
  layers: [{ units: 5 }, { units: 2 }],
  optimizer: { kind: 'adam' },
  seed: 7,
});
await ae.fit(data, { epochs: 3, batchSize: 8, learningRate: 0.01 });
const file = await ae.save();
const probe = { rows: 3, cols: 64, data: data.data.slice(0, 192) };
const reconstruction = await ae.reconstruct(probe);
writeFileSync(new URL('model-v1.bin', import.meta.url), file);
writeFileSync(
  new URL('model-v1.json', import.meta.url),
  `${JSON.stringify(
    {
      formatVersion: FORMAT_VERSION,
      bytes: file.length,
      weights: Array.from(await ae.getWeights()),
      probe: Array.from(probe.data),
      reconstruction: Array.from(reconstruction.data),
    },
    null,
    1,
  )}\n`,
);
await ae.dispose();
