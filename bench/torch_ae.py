"""Reference training loop in PyTorch (CPU) for `npm run bench:train`: the workload of
bench/numpy_ae.py — sigmoid hidden units (the encoder sizes given, the decoder mirroring
them), cross-entropy from logits (summed over the pixels, mean over the minibatch), Adam —
as a user would write it with nn.Linear, BCEWithLogitsLoss and torch.optim.Adam, on the same
data file as the other implementations. Glorot-uniform weights and zero biases, as diabolo's
default and the NumPy peer, so that the losses compare.

usage: torch_ae.py data.f32 rows batch lr epochs sizes threads [warmup]
  sizes: encoder widths, e.g. 784,256 or 784,512,256,64
  threads: torch.set_num_threads (intra-op threads; inter-op threads 1)
  warmup: 1 (default) trains one untimed epoch first; 0 times the very first epoch of a
  fresh model (the one-epoch quality run)
-> JSON {samplesPerSecond, loss, torch, threads, kernels, rssBytes}; loss is the mean
   per-image loss of the last timed epoch, in nats."""
import json
import resource
import sys
import time

import numpy as np
import torch
from torch import nn


def main():
    path, rows, batch, lr, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    enc = [int(s) for s in sys.argv[6].split(",")]
    threads = int(sys.argv[7])
    warmup = len(sys.argv) < 9 or sys.argv[8] != "0"
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    x = torch.from_numpy(np.fromfile(path, dtype=np.float32, count=rows * enc[0]).reshape(rows, enc[0]))
    sizes = enc + enc[-2::-1]  # 784-256-784, 784-512-256-64-256-512-784
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        linear = nn.Linear(fan_in, fan_out)
        nn.init.xavier_uniform_(linear.weight)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(nn.Sigmoid())
    model = nn.Sequential(*layers)
    loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    order_rng = torch.Generator().manual_seed(1)

    def epoch():
        order = torch.randperm(rows, generator=order_rng)
        total = 0.0
        for s in range(0, rows, batch):
            xb = x[order[s:s + batch]]
            loss = loss_fn(model(xb), xb) / xb.shape[0]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        return total / rows

    if warmup:
        epoch()
    best, loss = float("inf"), 0.0
    for _ in range(epochs):  # the fastest epoch counts (shared, noisy machine)
        t = time.perf_counter()
        loss = epoch()
        best = min(best, time.perf_counter() - t)
    kernels = ", ".join(
        k for k, on in [("MKL", torch.backends.mkl.is_available()), ("oneDNN", torch.backends.mkldnn.is_available())] if on
    )
    try:
        with open("/proc/self/status") as f:
            rss = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({
        "samplesPerSecond": rows / best,
        "loss": loss,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "kernels": kernels or "none reported",
        "rssBytes": rss,
    }))


main()
