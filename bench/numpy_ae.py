"""Reference training loop in NumPy (OpenBLAS) for `npm run bench:train`: the
784-256-784 autoencoder with sigmoid units, cross-entropy from logits, Adam, written by hand
(forward, backward, update), on the same data file as the other implementations.

usage: numpy_ae.py data.f32 rows batch lr epochs  ->  JSON {samplesPerSecond, loss, blas}"""
import json
import sys
import time

import numpy as np


def main():
    path, rows, batch, lr, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    x = np.fromfile(path, dtype=np.float32).reshape(rows, -1)
    d, k = x.shape[1], 256
    rng = np.random.default_rng(1)
    r1, r2 = np.sqrt(6 / (d + k)), np.sqrt(6 / (k + d))
    params = [rng.uniform(-r1, r1, (k, d)).astype(np.float32), np.zeros(k, np.float32),
              rng.uniform(-r2, r2, (d, k)).astype(np.float32), np.zeros(d, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    step = 0

    def epoch():
        nonlocal step
        order = rng.permutation(rows)
        total = 0.0
        for s in range(0, rows, batch):
            xb = x[order[s:s + batch]]
            n = xb.shape[0]
            w1, c1, w2, c2 = params
            h = 1 / (1 + np.exp(-(xb @ w1.T + c1)))
            a = h @ w2.T + c2
            total += float(np.sum(np.logaddexp(0, a) - xb * a))
            da = (1 / (1 + np.exp(-a)) - xb) / n
            dh = (da @ w2) * h * (1 - h)
            grads = [dh.T @ xb, dh.sum(0), da.T @ h, da.sum(0)]
            step += 1
            c1s, c2s = 1 - b1 ** step, 1 - b2 ** step
            for p, g, mi, vi in zip(params, grads, m, v):
                mi *= b1
                mi += (1 - b1) * g
                vi *= b2
                vi += (1 - b2) * g * g
                p -= lr * (mi / c1s) / (np.sqrt(vi / c2s) + eps)
        return total / rows

    epoch()  # warm-up
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
    print(json.dumps({"samplesPerSecond": rows / best, "loss": loss, "blas": blas, "numpy": np.__version__}))


main()
