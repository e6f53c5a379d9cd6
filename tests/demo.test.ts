// The main job (`npm run demo`) end to end on the built-in shapes (the fallback when MNIST is
// absent; the MNIST run is the README's first command): it must finish, report what it
// learned and write every picture of the report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';

const report = mkdtempSync(join(tmpdir(), 'diabolo-demo-'));
afterAll(() => rmSync(report, { recursive: true, force: true }));

describe('npm run demo', () => {
  it('trains, fine-tunes, flags anomalies, samples a VAE and writes the report', () => {
    const demo = fileURLToPath(new URL('../dist/cli/demo.js', import.meta.url));
    const r = spawnSync(process.execPath, [demo], {
      encoding: 'utf8',
      env: { ...process.env, DIABOLO_DEMO_DATA: 'shapes', DIABOLO_REPORT: report },
    });
    expect(r.status, r.stderr).toBe(0);
    const accuracy = /test accuracy: ([\d.]+)% \(softmax on frozen codes\) → ([\d.]+)% \(fine-tuned\)/.exec(r.stdout);
    expect(accuracy, r.stdout).not.toBeNull();
    // Four classes of shapes: chance is 25%; fine-tuning must help.
    expect(Number(accuracy?.[2])).toBeGreaterThan(Math.max(60, Number(accuracy?.[1])));
    expect(r.stdout).toMatch(/50\/50 random-noise images flagged/);
    expect(r.stdout).toContain('pixels in [0, 1]: true');
    const pictures = [
      'reconstructions.png',
      'filters.png',
      'denoising.png',
      'anomaly-scores.png',
      'vae-samples.png',
      'vae-latent-map.png',
      'vae-latent-traversal.png',
    ];
    for (const name of pictures) {
      const png = PNG.sync.read(readFileSync(join(report, name)));
      expect(png.width * png.height, name).toBeGreaterThan(100 * 50);
    }
  }, 180_000);
});
