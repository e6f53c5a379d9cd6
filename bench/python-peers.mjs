// The Python peers of bench:train, each in its own process: a hand-written NumPy/OpenBLAS
// loop (bench/numpy_ae.py, .cache/bench-venv; its gradient checked before any timing) and PyTorch on the CPU (bench/torch_ae.py,
// .cache/interop-venv). Each reads the MNIST file the parent wrote and prints one JSON line.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The runners, for a checkout at `root` (ending in `/`), the data file, the learning rate and
 * `sizes(workload)`, a workload's layer widths.
 */
export function pythonPeers({ root, dataFile, lr, sizes }) {
  const run = (python, script, env, workload, rows, batch, epochs, extra, warmup) => {
    const argv = [`${root}bench/${script}`, dataFile, `${rows}`, `${batch}`, `${lr}`, `${epochs}`];
    const res = execFileSync(python, [...argv, sizes(workload).join(','), ...extra, warmup ? '1' : '0'], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(res);
  };
  const torchPython = `${root}.cache/interop-venv/bin/python`;
  const numpyPython = `${root}.cache/bench-venv/bin/python`;
  /**
   * The environment of a NumPy process on `threads` BLAS threads. OPENBLAS_CORETYPE /
   * OPENBLAS_L2_SIZE (set on some machines here for old OpenBLAS builds) slow a current one:
   * both are unset for the command only.
   */
  const blasEnv = (threads) => {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: `${threads}` };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    return env;
  };
  let gradientChecked = false;
  /**
   * The NumPy peer's own forward and backward code in float64 against central finite
   * differences (bench/numpy_ae.py --gradcheck); throws when they disagree, so no figure is
   * ever reported for a peer that trains a different function. Runs once per process.
   */
  const checkNumpyGradient = () => {
    if (gradientChecked) return;
    const r = JSON.parse(execFileSync(numpyPython, [`${root}bench/numpy_ae.py`, '--gradcheck'], { encoding: 'utf8' }));
    if (!(r.maxRelError < 1e-5)) {
      throw new Error(
        `the NumPy peer's gradient is wrong: relative error ${r.maxRelError} over ${r.checked} entries (expected < 1e-5)`,
      );
    }
    gradientChecked = true;
  };
  return {
    numpy(workload, rows, batch, epochs, threads, warmup = true) {
      checkNumpyGradient();
      return run(numpyPython, 'numpy_ae.py', blasEnv(threads), workload, rows, batch, epochs, [], warmup);
    },
    /**
     * bench/numpy_reference.py: an independent NumPy loop for 784-256-784 only, written
     * without sight of the peer and tuned to the limit (one flat parameter vector, biases
     * folded into the GEMMs, Adam in nine passes). It is the yardstick that shows the peer is
     * what a careful NumPy user gets, not a weak straw man.
     */
    numpyReference(rows, batch, epochs) {
      const env = blasEnv(1);
      const argv = [`${root}bench/numpy_reference.py`, dataFile, `${rows}`, `${batch}`, `${lr}`, `${epochs}`];
      return JSON.parse(
        execFileSync(numpyPython, argv, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] }),
      );
    },
    /** PyTorch (CPU) from .cache/interop-venv (scripts/setup-interop.sh). */
    pytorch(workload, rows, batch, epochs, threads, warmup = true) {
      const env = { ...process.env, OMP_NUM_THREADS: `${threads}`, MKL_NUM_THREADS: `${threads}` };
      return run(torchPython, 'torch_ae.py', env, workload, rows, batch, epochs, [`${threads}`], warmup);
    },
    /** Why PyTorch cannot run here, or null. */
    torchMissing() {
      if (!existsSync(torchPython))
        return 'no .cache/interop-venv (scripts/setup-interop.sh could not install PyTorch)';
      try {
        execFileSync(torchPython, ['-c', 'import torch'], { stdio: 'ignore' });
        return null;
      } catch {
        return 'PyTorch does not import in .cache/interop-venv';
      }
    },
  };
}
