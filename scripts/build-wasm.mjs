// Builds the wasm binding once per kernel flavour with wasm-pack (`--target web`: one ES
// module that loads in Node and in browsers without a bundler) into ts/src/wasm/<flavour>/,
// and again with the `testing` feature (conformance and benchmark hooks, not shipped) into
// ts/src/wasm/testing/<flavour>/, then proves each binary holds the instructions its
// flavour promises.
//   DIABOLO_FLAVORS=simd128 node scripts/build-wasm.mjs   builds a subset.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmEnv } from './wasm-env.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** RUSTFLAGS per flavour. Keep in sync with ts/src/core/flavor.ts. */
export const FLAVORS = {
  relaxed: '-C target-feature=+simd128,+relaxed-simd',
  simd128: '-C target-feature=+simd128',
  scalar: '',
};

function simdInstructionCount(wasmFile, env) {
  const dump = execFileSync('wasm-objdump', ['-d', wasmFile], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  return dump.split('\n').filter((l) => /\b(f32x4|i32x4|v128)\./.test(l)).length;
}

function relaxedInstructionCount(wasmFile, env) {
  const dump = execFileSync('wasm-objdump', ['-d', wasmFile], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  return dump.split('\n').filter((l) => /relaxed_/.test(l)).length;
}

const selected = (process.env.DIABOLO_FLAVORS ?? Object.keys(FLAVORS).join(',')).split(',');
const env = wasmEnv();
/** One wasm-pack build of a flavour into `outDir`, with extra cargo `features`. */
function wasmPack(flavor, outDir, features) {
  execFileSync(
    'wasm-pack',
    [
      'build',
      'crates/diabolo-wasm',
      '--release',
      '--target',
      'web',
      '--no-pack',
      '--out-dir',
      outDir,
      '--out-name',
      'diabolo',
      ...(features ? ['--', '--features', features] : []),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...env,
        RUSTFLAGS: FLAVORS[flavor],
        CARGO_TARGET_DIR: join(root, 'target', `wasm-${flavor}`),
        WASM_PACK_CACHE: join(root, 'target', 'wasm-pack-cache'),
      },
    },
  );
}

for (const flavor of selected) {
  if (!(flavor in FLAVORS)) throw new Error(`unknown flavour ${flavor}; known: ${Object.keys(FLAVORS).join(', ')}`);
  const outDir = join(root, 'ts', 'src', 'wasm', flavor);
  const started = Date.now();
  // What users get, then the same core with the conformance and benchmark hooks (the
  // `testing` feature) for the tests and benchmarks that call them.
  wasmPack(flavor, outDir);
  wasmPack(flavor, join(root, 'ts', 'src', 'wasm', 'testing', flavor), 'testing');
  const simd = simdInstructionCount(join(outDir, 'diabolo_bg.wasm'), env);
  if (flavor === 'scalar' ? simd !== 0 : simd === 0) {
    throw new Error(`${flavor} build holds ${simd} SIMD instructions: RUSTFLAGS did not take effect`);
  }
  const relaxed = relaxedInstructionCount(join(outDir, 'diabolo_bg.wasm'), env);
  if (flavor === 'relaxed' ? relaxed === 0 : relaxed !== 0) {
    throw new Error(`${flavor} build holds ${relaxed} relaxed-SIMD instructions: RUSTFLAGS did not take effect`);
  }
  console.log(
    `[build-wasm] ${flavor}: ${simd} SIMD instructions (${relaxed} relaxed), with its testing build ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
// One glue and stripped binaries, as the package ships them (ts/src/wasm/glue.js, diabolo-<flavour>.wasm).
await import('./package-wasm.mjs');
