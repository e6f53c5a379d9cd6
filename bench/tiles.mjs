// Register-tile limits: how fast a GEMM micro-kernel of a given tile shape can possibly
// run in this engine, measured without a GEMM around it. Each probe is a hand-written wasm
// loop (generated here as text, assembled by wabt's wat2wasm) doing one k-step of an R×C
// tile per iteration: C/4 vector loads of B, then for each of the R rows one
// `v128.load32_splat` of A and C/4 multiply-adds into R·C/4 accumulators — the core
// kernel's instruction mix, its panel pointers moving through L1 and its tile stored every
// 256 steps, but no packing, edge tiles or cache misses. Both flavours: f32x4 mul then add
// (simd128) and `f32x4.relaxed_madd`.
//
// Why it exists: the numeric-core issue asks relaxed GEMM ≥ 1.3× simd128 GEMM. V8 gives
// wasm 16 xmm registers on x64 (one kept as scratch), so a tile has at most ~14 live
// vectors, and FMA needs latency × ports independent accumulators to run at its peak. The
// probes show what any tile shape can reach under those rules on this machine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wasmEnv } from '../scripts/wasm-env.mjs';

/** Tile shapes probed: rows × columns (columns a multiple of 4). */
export const TILES = [
  [2, 16],
  [4, 8],
  [3, 12],
  [5, 8],
  [6, 8],
  [4, 12],
];

/** k-steps per tile, about the core's K block (at most 320; 256 or 262 in the benchmarked shapes). */
const KC = 256;

/**
 * One probe: `iters` k-steps of an R×C tile, KC steps per tile (A and B pointers moving
 * through L1-resident panels, as in the core's kernel), then the accumulators stored and
 * zeroed for the next tile.
 */
function probe(name, rows, cols, fused) {
  const vecs = cols / 4;
  const acc = rows * vecs;
  const locals = [
    '(local $a v128) (local $s v128) (local $pa i32) (local $pb i32) (local $k i32)',
    ...Array.from({ length: acc }, (_, i) => `(local $c${i} v128)`),
    ...Array.from({ length: vecs }, (_, j) => `(local $b${j} v128)`),
  ];
  const step = [];
  for (let j = 0; j < vecs; j++) step.push(`(local.set $b${j} (v128.load offset=${16 * j} (local.get $pb)))`);
  for (let r = 0; r < rows; r++) {
    step.push(`(local.set $a (v128.load32_splat offset=${4 * r} (local.get $pa)))`);
    for (let j = 0; j < vecs; j++) {
      const c = `$c${r * vecs + j}`;
      step.push(
        fused
          ? `(local.set ${c} (f32x4.relaxed_madd (local.get $a) (local.get $b${j}) (local.get ${c})))`
          : `(local.set ${c} (f32x4.add (local.get ${c}) (f32x4.mul (local.get $a) (local.get $b${j}))))`,
      );
    }
  }
  const each = (f) => Array.from({ length: acc }, (_, i) => f(i)).join(' ');
  // Panels: A at 0 (KC·R floats), B after it (KC·C floats); the tile's C at 64 KiB.
  return `(func (export "${name}") (param $iters i32) (result f32)
  ${locals.join(' ')}
  (loop $tile
    (local.set $pa (i32.const 0)) (local.set $pb (i32.const ${4 * KC * rows}))
    (local.set $k (i32.const ${KC}))
    ${each((i) => `(local.set $c${i} (v128.const i64x2 0 0))`)}
    (loop $step ${step.join(' ')}
      (local.set $pa (i32.add (local.get $pa) (i32.const ${4 * rows})))
      (local.set $pb (i32.add (local.get $pb) (i32.const ${4 * cols})))
      (br_if $step (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
    ${each((i) => `(v128.store offset=${65536 + 16 * i} (i32.const 0) (local.get $c${i}))`)}
    (br_if $tile (i32.gt_s (local.tee $iters (i32.sub (local.get $iters) (i32.const ${KC}))) (i32.const 0))))
  (local.set $s (local.get $c0)) ${each((i) => (i > 0 ? `(local.set $s (f32x4.add (local.get $s) (local.get $c${i})))` : ''))}
  (f32x4.extract_lane 0 (local.get $s)))`;
}

/**
 * Assemble the probes; returns `[{tile, accumulators, op: 'mulAdd'|'relaxedMadd', run}]`
 * where `run(iters)` executes `iters` k-steps, and the flops of one k-step. `null` when
 * wat2wasm is missing (the GEMM bench then skips this section).
 */
export async function tileProbes() {
  const funcs = [];
  const probes = [];
  for (const [rows, cols] of TILES) {
    for (const fused of [false, true]) {
      const name = `${fused ? 'madd' : 'muladd'}_${rows}x${cols}`;
      funcs.push(probe(name, rows, cols, fused));
      probes.push({
        name,
        tile: `${rows}×${cols}`,
        accumulators: (rows * cols) / 4,
        op: fused ? 'relaxedMadd' : 'mulAdd',
        flopsPerIter: 2 * rows * cols,
      });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'diabolo-tiles-'));
  try {
    writeFileSync(join(dir, 'tiles.wat'), `(module (memory 2)\n${funcs.join('\n')})\n`);
    execFileSync('wat2wasm', ['--enable-relaxed-simd', 'tiles.wat', '-o', 'tiles.wasm'], {
      cwd: dir,
      env: wasmEnv(),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const { instance } = await WebAssembly.instantiate(readFileSync(join(dir, 'tiles.wasm')));
    return probes.map((p) => ({ ...p, run: (iters) => instance.exports[p.name](iters) }));
  } catch (e) {
    console.error(`[bench:gemm] register-tile probes skipped: ${e.message.split('\n')[0]}`);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
