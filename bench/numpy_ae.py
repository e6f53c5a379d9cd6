"""Reference training loop in NumPy (OpenBLAS) for `npm run bench:train`: an autoencoder with
sigmoid hidden units (the encoder sizes given, the decoder mirroring them), cross-entropy
from logits, Adam, written by hand (forward, backward, update), on the same data file as
the other implementations.

usage: numpy_ae.py data.f32 rows batch lr epochs sizes [warmup]
  sizes: encoder widths, e.g. 784,256 or 784,512,256,64
  warmup: 1 (default) trains one untimed epoch first; 0 times the very first epoch of a
  fresh model (the one-epoch quality run)
-> JSON {samplesPerSecond, loss, blas, numpy, rssBytes}; loss is the mean per-image loss of
   the last timed epoch, in nats."""
import json
import resource
import sys
import time

import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def main():
    path, rows, batch, lr, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    enc = [int(s) for s in sys.argv[6].split(",")]
    warmup = len(sys.argv) < 8 or sys.argv[7] != "0"
    x = np.fromfile(path, dtype=np.float32, count=rows * enc[0]).reshape(rows, enc[0])
    sizes = enc + enc[-2::-1]  # 784-256-784, 784-512-256-64-256-512-784
    rng = np.random.default_rng(1)
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        r = np.sqrt(6 / (fan_in + fan_out))  # Glorot uniform, as the core's default for sigmoid
        params += [rng.uniform(-r, r, (fan_out, fan_in)).astype(np.float32), np.zeros(fan_out, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    step = 0
    layers = len(sizes) - 1

    def epoch():
        nonlocal step
        order = rng.permutation(rows)
        total = 0.0
        for s in range(0, rows, batch):
            xb = x[order[s:s + batch]]
            n = xb.shape[0]
            hs = [xb]
            for i in range(layers):
                a = hs[-1] @ params[2 * i].T + params[2 * i + 1]
                hs.append(sigmoid(a) if i < layers - 1 else a)
            a = hs[-1]
            total += float(np.sum(np.logaddexp(0, a) - xb * a))
            d = (sigmoid(a) - xb) / n
            grads = [None] * len(params)
            for i in reversed(range(layers)):
                grads[2 * i] = d.T @ hs[i]
                grads[2 * i + 1] = d.sum(0)
                if i > 0:
                    d = (d @ params[2 * i]) * hs[i] * (1 - hs[i])
            step += 1
            c1s, c2s = 1 - b1 ** step, 1 - b2 ** step
            for p, g, mi, vi in zip(params, grads, m, v):
                mi *= b1
                mi += (1 - b1) * g
                vi *= b2
                vi += (1 - b2) * g * g
                p -= lr * (mi / c1s) / (np.sqrt(vi / c2s) + eps)
        return total / rows

    if warmup:
        epoch()
    best, loss = float("inf"), 0.0
    for _ in range(epochs):  # the fastest epoch counts (shared, noisy machine)
        t = time.perf_counter()
        loss = epoch()
        best = min(best, time.perf_counter() - t)
    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info
        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            blas = f"{info[0].get('internal_api')} {info[0].get('version')} {info[0].get('architecture')}, {info[0].get('num_threads')} threads"
    except ImportError:
        pass
    # VmHWM belongs to this process image; getrusage's maxrss would start from the parent's peak.
    try:
        with open("/proc/self/status") as f:
            rss = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"samplesPerSecond": rows / best, "loss": loss, "blas": blas, "numpy": np.__version__, "rssBytes": rss}))


main()
