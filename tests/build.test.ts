import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { supportedFlavors } from '../dist/index.node.js';

function simdOps(flavor: string): number {
  const file = fileURLToPath(new URL(`../dist/wasm/${flavor}/diabolo_bg.wasm`, import.meta.url));
  const dump = execFileSync('wasm-objdump', ['-d', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return dump.split('\n').filter((l) => /\b(f32x4|v128)\.(mul|add|load|store|load32_splat)\b/.test(l)).length;
}

describe('wasm binaries', () => {
  it('the simd128 build holds f32x4 arithmetic and the scalar build none', () => {
    expect(simdOps('simd128')).toBeGreaterThan(20);
    expect(simdOps('scalar')).toBe(0);
  });

  it('Node 20 runs SIMD128, so simd128 is chosen first', async () => {
    expect(await supportedFlavors()).toEqual(['simd128', 'scalar']);
  });
});
