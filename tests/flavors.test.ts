import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Dump {
  runtime: { flavor: string };
  losses: number[];
  weights: number[];
  reconstruction: number[];
  single: number[];
  bce: { losses: number[]; weights: number[] };
}

const script = fileURLToPath(new URL('./fixtures/train-and-dump.mjs', import.meta.url));
function run(flavor: string, flags: string[] = []): Dump {
  return JSON.parse(execFileSync(process.execPath, [...flags, script, flavor], { encoding: 'utf8' }));
}

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('kernel flavours', () => {
  const simd = run('simd128');
  const relaxed = run('auto', ['--experimental-wasm-relaxed-simd']);

  it('auto picks relaxed SIMD where the runtime has it', () => {
    expect(simd.runtime.flavor).toBe('simd128');
    expect(relaxed.runtime.flavor).toBe('relaxed');
  });

  // The relaxed build may fuse multiply-add (one rounding instead of two), so it is not
  // bit-identical to simd128; after 3 epochs of SGD (57 updates) weights of magnitude ~0.3
  // agree to 1e-5 and losses to 1e-6 relative. Measured here: max |Δw| = 1.2e-7.
  it('relaxed and simd128 agree within the FMA rounding tolerance', () => {
    expect(maxAbsDiff(relaxed.weights, simd.weights)).toBeLessThan(1e-5);
    expect(maxAbsDiff(relaxed.reconstruction, simd.reconstruction)).toBeLessThan(1e-5);
    expect(maxAbsDiff(relaxed.bce.weights, simd.bce.weights)).toBeLessThan(1e-5);
    relaxed.losses.forEach((l, i) => {
      expect(Math.abs(l - (simd.losses[i] as number)) / l).toBeLessThan(1e-6);
    });
  });

  it('scalar agrees with simd128 bit for bit in a separate process too', () => {
    const scalar = run('scalar');
    expect(scalar.weights).toEqual(simd.weights);
    expect(scalar.single).toEqual(simd.single);
    expect(scalar.bce.losses).toEqual(simd.bce.losses);
    expect(scalar.bce.weights).toEqual(simd.bce.weights);
    // The single-sample path agrees with the batched one to rounding.
    expect(maxAbsDiff(simd.single, simd.reconstruction.slice(0, 100))).toBeLessThan(1e-6);
  });
});
