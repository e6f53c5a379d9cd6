// Chooses the Rust toolchain that can build wasm32-unknown-unknown: the default `rustc`
// (rustup) when it has the target, else Debian's /usr/bin/rustc after
// scripts/setup-toolchain.sh built the wasm32 std into its sysroot.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const TARGET = 'wasm32-unknown-unknown';

function hasTarget(rustc, env) {
  try {
    const sysroot = execFileSync(rustc, ['--print', 'sysroot'], { env, encoding: 'utf8' }).trim();
    const lib = join(sysroot, 'lib', 'rustlib', TARGET, 'lib');
    return existsSync(lib) && readdirSync(lib).some((f) => f.startsWith('libstd-'));
  } catch {
    return false;
  }
}

/** The environment under which `cargo`/`wasm-pack` build for wasm32. */
export function wasmEnv() {
  const cargoBin = join(homedir(), '.cargo', 'bin');
  const base = { ...process.env, PATH: `${process.env.PATH}:${cargoBin}` };
  if (process.env.DIABOLO_FORCE_DEBIAN_STD !== '1' && hasTarget('rustc', base)) return base;
  const debian = { ...base, PATH: `/usr/bin:${base.PATH}` };
  if (existsSync('/usr/bin/rustc') && hasTarget('/usr/bin/rustc', debian)) return debian;
  throw new Error(
    `no Rust toolchain with the ${TARGET} target: run \`npm run setup\` (scripts/setup-toolchain.sh) first`,
  );
}
