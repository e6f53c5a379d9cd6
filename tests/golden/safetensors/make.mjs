// Files written by Python's safetensors (through PyTorch), which tests/safetensors.test.ts
// reads without Python: for two models (tied deep, VAE), `toPyTorch()` into a folder, then
// model.py loads the weights, changes them in PyTorch (w·0.5 + 0.25) and saves them with
// save() (safetensors.torch.save_file: its own tensor order and padding), and the values
// PyTorch holds go into <name>.json; plus a bare save_file of a state_dict with no metadata.
// Run from the repository root after `npm run build:ts` and scripts/setup-interop.sh:
//   node tests/golden/safetensors/make.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Autoencoder } from '../../../dist/index.node.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const python = fileURLToPath(new URL('../../../.cache/interop-venv/bin/python', import.meta.url));
const MODELS = {
  tied: {
    inputSize: 6,
    layers: [
      { units: 4, activation: 'tanh', l2: 0.01 },
      { units: 2, sparsity: { rho: 0.1, beta: 1 } },
    ],
    tiedWeights: true,
    loss: 'bce',
    optimizer: { kind: 'adam' },
  },
  vae: {
    inputSize: 5,
    layers: [{ units: 3 }],
    vae: { latentSize: 2, beta: 0.5 },
    corruption: { kind: 'mask', nu: 0.1 },
  },
};
const script = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
import model as m
net = m.load()
with torch.no_grad():
    for p in net.parameters():
        p.mul_(0.5).add_(0.25)
m.save(net, sys.argv[2], writer="PyTorch (tests/golden/safetensors/make.mjs)")
json.dump({k: v.reshape(-1).tolist() for k, v in net.state_dict().items()}, open(sys.argv[3], "w"))
if len(sys.argv) > 4:
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, sys.argv[4])
`;
for (const [name, config] of Object.entries(MODELS)) {
  const dir = mkdtempSync(join(tmpdir(), 'diabolo-golden-'));
  const ae = await Autoencoder.create({ ...config, seed: 5 });
  for (const [file, contents] of Object.entries(await ae.toPyTorch())) writeFileSync(join(dir, file), contents);
  await ae.dispose();
  const extra = name === 'tied' ? [join(here, 'no-metadata.safetensors')] : [];
  execFileSync(python, ['-c', script, dir, join(here, `${name}.safetensors`), join(here, `${name}.json`), ...extra], {
    stdio: 'inherit',
  });
  rmSync(dir, { recursive: true, force: true });
}
console.log(`written to ${here}`);
