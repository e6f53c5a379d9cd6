import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { supportedFlavors } from '../dist/index.node.js';

function disassembly(flavor: string): string[] {
  const file = fileURLToPath(new URL(`../dist/wasm/diabolo-${flavor}.wasm`, import.meta.url));
  return execFileSync('wasm-objdump', ['-d', file], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n');
}
function simdOps(flavor: string): number {
  return disassembly(flavor).filter((l) => /\b(f32x4|v128)\.(mul|add|load|store|load32_splat)\b/.test(l)).length;
}
function relaxedOps(flavor: string): number {
  return disassembly(flavor).filter((l) => /f32x4\.relaxed_madd/.test(l)).length;
}

describe('wasm binaries', () => {
  it('the simd128 build holds f32x4 arithmetic and the scalar build none', () => {
    expect(simdOps('simd128')).toBeGreaterThan(20);
    expect(simdOps('scalar')).toBe(0);
  });

  it('only the relaxed build holds relaxed-SIMD instructions', () => {
    expect(relaxedOps('relaxed')).toBeGreaterThan(8);
    expect(relaxedOps('simd128')).toBe(0);
  });

  it('Node 20 without flags runs SIMD128 but not relaxed SIMD', async () => {
    expect(await supportedFlavors()).toEqual(['simd128', 'scalar']);
  });
});
