"""The NumPy (OpenBLAS) peer of `npm run bench:train`, written the way a careful NumPy user
would: float32 throughout, every buffer allocated once and reused (`out=` and in-place
operators), no gradient for the input layer (nothing uses it), and Adam with its bias
corrections folded into the step size and epsilon, as diabolo and TensorFlow.js apply it.

The model: sigmoid hidden units (the encoder sizes given, the decoder mirroring them), a
linear output layer read as logits, cross-entropy from the logits, mean over the minibatch.

usage: numpy_ae.py data.f32 rows batch lr epochs sizes [warmup]
  sizes: encoder widths, e.g. 784,256 or 784,512,256,64
  warmup: 1 (default) trains one untimed epoch first; 0 times the very first epoch of a
  fresh model (the one-epoch quality run)
-> JSON {samplesPerSecond, loss, blas, numpy, rssBytes}; loss is the mean per-image loss of
   the last timed epoch, in nats.

usage: numpy_ae.py --gradcheck
-> JSON {maxRelError, checked}: the same forward and backward code in float64 on a small
   model, every parameter against central finite differences (bench:train runs this first
   and refuses a peer whose gradient is wrong)."""
import json
import resource
import sys
import time

import numpy as np

# Elements per Adam sweep: the chunk of the five vectors Adam touches stays in L2.
ADAM_CHUNK = 32768


class Net:
    """Parameters, Adam state, and scratch buffers sized for minibatches of up to `batch` rows."""

    def __init__(self, enc, batch, rng, dtype=np.float32):
        self.sizes = enc + enc[-2::-1]  # 784-256-784, 784-512-256-64-256-512-784
        self.layers = len(self.sizes) - 1
        self.dtype = dtype
        # Every parameter is a view into one flat vector (and every gradient into another), so
        # that Adam sweeps them in a few cache-sized chunks instead of tensor by tensor.
        shapes = [shape for i, o in zip(self.sizes, self.sizes[1:]) for shape in ((o, i), (o,))]
        total = sum(int(np.prod(shape)) for shape in shapes)
        self.flat = np.zeros(total, dtype)
        self.flat_grad = np.zeros(total, dtype)
        self.params, self.grads, at = [], [], 0
        for shape in shapes:
            n = int(np.prod(shape))
            self.params.append(self.flat[at:at + n].reshape(shape))
            self.grads.append(self.flat_grad[at:at + n].reshape(shape))
            at += n
        self.w, self.b = self.params[0::2], self.params[1::2]
        for w in self.w:
            fan_out, fan_in = w.shape
            r = np.sqrt(6 / (fan_in + fan_out))  # Glorot uniform, as the core's default for sigmoid
            w[...] = rng.uniform(-r, r, (fan_out, fan_in))
        self.m = np.zeros(total, dtype)
        self.v = np.zeros(total, dtype)
        self.scratch = np.zeros(min(total, ADAM_CHUNK), dtype)
        # Activations of every layer (index 0 is the input) and one delta per layer width.
        self.h = [np.zeros((batch, s), dtype) for s in self.sizes]
        self.delta = [np.zeros((batch, s), dtype) for s in self.sizes]
        self.tmp = [np.zeros((batch, s), dtype) for s in self.sizes]
        self.ones = np.ones(batch, dtype)
        self.step = 0

    def loss_and_grads(self, xb):
        """Summed cross-entropy of the rows of `xb` (already in self.h[0][:n]); the gradient
        of its mean over the rows goes into self.grads."""
        n = xb.shape[0]
        h = [a[:n] for a in self.h]
        for i in range(self.layers):
            a = h[i + 1]
            np.matmul(h[i], self.w[i].T, out=a)
            a += self.b[i]
            if i < self.layers - 1:  # sigmoid in place: 1 / (1 + e^-a)
                np.negative(a, out=a)
                np.exp(a, out=a)
                a += 1
                np.reciprocal(a, out=a)
        logits = h[-1]
        # e = e^−a serves both the loss and the gradient: softplus(a) − x·a = log(1 + e) + a − x·a
        # and σ(a) = 1 / (1 + e). (np.logaddexp would take ~50 ns per element, as long as both
        # GEMMs of the layer.) Where a < −88, e overflows float32: that batch's loss is then
        # recomputed in the overflow-free form max(a, 0) + log(1 + e^−|a|) − x·a.
        e = self.tmp[-1][:n]
        np.negative(logits, out=e)
        with np.errstate(over="ignore"):
            np.exp(e, out=e)
        d = self.delta[-1][:n]  # (σ(a) − x) / n
        np.add(e, 1, out=d)
        np.reciprocal(d, out=d)
        np.log1p(e, out=e)
        ax = float(np.vdot(xb, logits))
        loss = float(e.sum()) + float(logits.sum()) - ax  # NumPy sums float32 pairwise: accurate enough
        if not np.isfinite(loss):
            stable = np.abs(logits, dtype=np.float64)
            loss = float((np.maximum(logits, 0) + np.log1p(np.exp(-stable))).sum()) - ax
        d -= xb
        d *= 1 / n
        for i in reversed(range(self.layers)):
            np.matmul(d.T, h[i], out=self.grads[2 * i])
            np.dot(self.ones[:n], d, out=self.grads[2 * i + 1])  # the bias gradient Σ_rows d, as a GEMV
            if i > 0:  # through the sigmoid of layer i: h(1 − h)
                below = self.delta[i][:n]
                np.matmul(d, self.w[i], out=below)
                below *= h[i]
                one_minus = self.tmp[i][:n]
                np.subtract(1, h[i], out=one_minus)
                below *= one_minus
                d = below
        return loss

    def adam(self, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.step += 1
        c1, c2 = 1 - b1**self.step, 1 - b2**self.step
        # Python floats: a NumPy float64 scalar would turn each float32 operation into a float64 one.
        step, eps_hat = float(lr * np.sqrt(c2) / c1), float(eps * np.sqrt(c2))
        for at in range(0, self.flat.size, ADAM_CHUNK):
            end = min(at + ADAM_CHUNK, self.flat.size)
            p, g, m, v = self.flat[at:end], self.flat_grad[at:end], self.m[at:end], self.v[at:end]
            t = self.scratch[: end - at]
            m *= b1
            np.multiply(g, 1 - b1, out=t)
            m += t
            v *= b2
            np.multiply(g, g, out=t)
            t *= 1 - b2
            v += t
            np.sqrt(v, out=t)
            t += eps_hat
            np.divide(m, t, out=t)
            t *= step
            p -= t


def gradcheck():
    rng = np.random.default_rng(3)
    rows, enc = 5, [7, 4, 3]
    x = rng.uniform(0, 1, (rows, enc[0]))
    net = Net(enc, rows, rng, np.float64)
    for b in net.b:
        b[:] = rng.normal(0, 0.3, b.shape)

    def mean_loss():
        net.h[0][:rows] = x
        return net.loss_and_grads(x) / rows

    mean_loss()
    analytic = [g.copy() for g in net.grads]
    worst, checked, eps = 0.0, 0, 1e-5
    for p, g in zip(net.params, analytic):
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for j in range(flat.size):
            keep = flat[j]
            flat[j] = keep + eps
            up = mean_loss()
            flat[j] = keep - eps
            down = mean_loss()
            flat[j] = keep
            numeric = (up - down) / (2 * eps)
            worst = max(worst, abs(numeric - gflat[j]) / max(1e-6, abs(numeric) + abs(gflat[j])))
            checked += 1
    # Logits far below −88 overflow e^−a in float32: the loss must still be finite and right.
    net32 = Net(enc, rows, np.random.default_rng(4))
    net32.b[-1][:] = -150
    net32.h[0][:rows] = x
    got = net32.loss_and_grads(net32.h[0][:rows])
    w, b = net32.w, net32.b
    hidden = [x]
    for i in range(net32.layers):
        a = hidden[-1].astype(np.float64) @ w[i].T.astype(np.float64) + b[i]
        hidden.append(1 / (1 + np.exp(-a)) if i < net32.layers - 1 else a)
    want = float((np.logaddexp(0, hidden[-1]) - x * hidden[-1]).sum())
    overflow = abs(got - want) / abs(want)
    print(json.dumps({"maxRelError": max(worst, overflow), "checked": checked, "overflowLossRelError": overflow}))


def main():
    if sys.argv[1:] == ["--gradcheck"]:
        return gradcheck()
    path, rows, batch, lr, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    enc = [int(s) for s in sys.argv[6].split(",")]
    warmup = len(sys.argv) < 8 or sys.argv[7] != "0"
    x = np.fromfile(path, dtype=np.float32, count=rows * enc[0]).reshape(rows, enc[0])
    rng = np.random.default_rng(1)
    net = Net(enc, batch, rng)

    def epoch():
        order = rng.permutation(rows)
        total = 0.0
        for s in range(0, rows, batch):
            idx = order[s:s + batch]
            xb = net.h[0][:idx.size]
            np.take(x, idx, axis=0, out=xb, mode="wrap")  # indices are valid; 'wrap' skips the bounds check
            total += net.loss_and_grads(xb)
            net.adam(lr)
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
