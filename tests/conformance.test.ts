// One conformance suite for every build: the golden vectors of tests/golden/ops.json
// (computed independently in Python, float64) through the scalar, simd128 and relaxed wasm
// cores, and native Rust against wasm.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

type Outputs = Record<string, number[]>;
interface GoldenCase {
  name: string;
  op: string;
  outputs: Outputs;
}
const root = fileURLToPath(new URL('..', import.meta.url));
const goldenPath = `${root}tests/golden/ops.json`;
const { cases } = JSON.parse(readFileSync(goldenPath, 'utf8')) as { cases: GoldenCase[] };

function dump(
  flavor: string,
  flags: string[] = [],
): { flavor: string; gemmSelfTest: number; outputs: Record<string, Outputs> } {
  const script = `${root}tests/fixtures/conformance-dump.mjs`;
  return JSON.parse(execFileSync(process.execPath, [...flags, script, flavor], { encoding: 'utf8' }));
}

/** Largest violation of |got − want| ≤ atol + rtol·|want| over all cases (≤ 0 means all hold). */
function worst(got: Record<string, Outputs>, rtol: number, atol: number): { excess: number; where: string } {
  let w = { excess: Number.NEGATIVE_INFINITY, where: '' };
  for (const c of cases) {
    for (const [key, want] of Object.entries(c.outputs)) {
      const g = got[c.name]?.[key];
      expect(g, `${c.name}.${key}`).toBeDefined();
      expect(g).toHaveLength(want.length);
      want.forEach((b, i) => {
        const diff = Math.abs(((g as number[])[i] as number) - b) - (atol + rtol * Math.abs(b));
        if (diff > w.excess) w = { excess: diff, where: `${c.name}.${key}[${i}]` };
      });
    }
  }
  return w;
}

describe('golden vectors through every wasm build', () => {
  expect(cases.length).toBeGreaterThanOrEqual(28);
  // f32 cores against float64 references: relative 2e-5 plus absolute 2e-6 (the same bound cargo test uses).
  for (const [flavor, flags] of [
    ['scalar', []],
    ['simd128', []],
    ['relaxed', ['--experimental-wasm-relaxed-simd']],
  ] as const) {
    it(`${flavor} matches the float64 references`, () => {
      const d = dump(flavor, [...flags]);
      expect(d.flavor).toBe(flavor);
      // GEMM against a float64 triple loop: every layout, every tile and block edge.
      expect(d.gemmSelfTest).toBeLessThanOrEqual(1);
      const w = worst(d.outputs, 2e-5, 2e-6);
      expect(w.excess, w.where).toBeLessThanOrEqual(0);
    });
  }
});

/**
 * The native f32 outputs of every golden case. `kernel` sets DIABOLO_NATIVE_KERNEL: on
 * x86_64 the GEMM otherwise runs the best micro-kernel the CPU has (AVX2 or AVX-512, with
 * fused multiply-adds), `portable` forces the plain Rust kernel the wasm builds share.
 */
function nativeDump(kernel?: string): Record<string, Outputs> {
  const env = { ...process.env };
  if (kernel) env.DIABOLO_NATIVE_KERNEL = kernel;
  else delete env.DIABOLO_NATIVE_KERNEL;
  return JSON.parse(
    execFileSync(
      'cargo',
      ['run', '-q', '-p', 'diabolo-core', '--features', 'testing', '--example', 'conformance_dump', goldenPath],
      { cwd: root, encoding: 'utf8', env },
    ),
  ) as Record<string, Outputs>;
}

/** Every native value within 1e-6 relative of the wasm one; returns [identical, total]. */
function compare(native: Record<string, Outputs>, wasm: Record<string, Outputs>, gemmBitForBit: boolean): number[] {
  let identical = 0;
  let total = 0;
  for (const c of cases) {
    for (const [key, n] of Object.entries(native[c.name] ?? {})) {
      const w = wasm[c.name]?.[key] as number[];
      n.forEach((v, i) => {
        total++;
        if (v === w[i]) identical++;
        // libm's exp/log/tanh may differ by an ulp between the platform and wasm.
        expect(Math.abs(v - (w[i] as number)), `${c.name}.${key}[${i}]`).toBeLessThanOrEqual(
          1e-6 * Math.max(1, Math.abs(v)),
        );
      });
      if (gemmBitForBit && (c.name.endsWith('_linear') || c.name.endsWith('_relu'))) {
        expect(w, `${c.name}.${key}`).toEqual(n);
      }
    }
  }
  expect(total).toBeGreaterThan(500);
  return [identical, total];
}

describe('native and wasm agree', () => {
  it('native f32 core on the portable kernel equals the simd128 wasm core to 1e-6 relative, GEMM-only cases bit for bit', () => {
    const [identical, total] = compare(nativeDump('portable'), dump('simd128').outputs, true);
    console.log(`native (portable kernel) vs wasm: ${identical}/${total} values bit-identical`);
    // Most values do not touch a transcendental function at all.
    expect(identical / total).toBeGreaterThan(0.5);
  });

  it('native f32 core on the kernel chosen at run time equals the simd128 wasm core to 1e-6 relative', () => {
    // On x86_64 with AVX2 the GEMM fuses multiply-adds (one rounding per step, same order),
    // so values differ from simd128 in the last bits but not beyond the tolerance.
    const [identical, total] = compare(nativeDump(), dump('simd128').outputs, false);
    console.log(`native (run-time kernel) vs wasm: ${identical}/${total} values bit-identical`);
  });
});
