"""The NumPy (OpenBLAS) peer of `npm run bench:train`, written the way a careful NumPy user
would: float32 throughout, every buffer allocated once and reused (`out=` and in-place
operators), weights laid out for the GEMMs and biases folded into them from the second layer
on, no gradient for the input layer (nothing uses it), and Adam in ten passes over one flat
parameter vector: its constants are folded into the gradient's scale, the step size and
epsilon, and its update is TensorFlow.js's (and diabolo's) to rounding.

The model: sigmoid hidden units (the encoder sizes given, the decoder mirroring them), a
linear output layer read as logits, cross-entropy from the logits, mean over the minibatch.

usage: numpy_ae.py data.f32 rows batch lr epochs sizes [warmup]
  sizes: encoder widths, e.g. 784,256 or 784,512,256,64
  warmup: 1 (default) trains one untimed epoch first; 0 times the very first epoch of a
  fresh model (the one-epoch quality run)
-> JSON {samplesPerSecond, loss, blas, numpy, rssBytes}; loss is the mean per-image loss of
   the last timed epoch, in nats.

usage: numpy_ae.py --gradcheck
-> JSON {maxRelError, checked, overflowLossRelError, adamRelError}: the same forward and
   backward code in float64 on a small model, every parameter against central finite
   differences, and three steps of its Adam against the textbook update (bench:train runs
   this first and refuses a peer whose gradient or step is wrong)."""
import json
import resource
import sys
import time

import numpy as np

# Elements per Adam sweep: the chunk of the five vectors Adam touches stays in L2.
ADAM_CHUNK = 32768
# Adam's constants (tfjs's defaults, as diabolo's).
B1, B2, EPS = 0.9, 0.999, 1e-8


class Net:
    """Parameters, Adam state, and scratch buffers sized for minibatches of up to `batch` rows.

    Layer i computes a = h_i W_i + b_i with W_i stored (in, out), so that every GEMM reads its
    operands as they lie. From the second layer on, the bias is folded into the weights (the
    common "bias trick"): the activations below are kept as [h, 1] and the layer's parameters
    as one (in + 1, out) matrix whose last row is b, so one GEMM adds the bias in the forward
    pass and one GEMM yields the bias gradient with the weight gradient in the backward pass.
    The first layer reads the data rows as they are (its bias is added, and its gradient
    summed, separately: the 784-wide layers are the ones where a pass costs)."""

    def __init__(self, enc, batch, rng, dtype=np.float32):
        self.sizes = enc + enc[-2::-1]  # 784-256-784, 784-512-256-64-256-512-784
        self.layers = len(self.sizes) - 1
        self.dtype = dtype
        # Every parameter is a view into one flat vector (and every gradient into another), so
        # that Adam sweeps them in a few cache-sized chunks instead of tensor by tensor.
        shapes = [(self.sizes[0], self.sizes[1]), (self.sizes[1],)]
        shapes += [(i + 1, o) for i, o in zip(self.sizes[1:], self.sizes[2:])]
        total = sum(int(np.prod(shape)) for shape in shapes)
        self.flat = np.zeros(total, dtype)
        self.flat_grad = np.zeros(total, dtype)
        self.params, self.grads, at = [], [], 0
        for shape in shapes:
            n = int(np.prod(shape))
            self.params.append(self.flat[at:at + n].reshape(shape))
            self.grads.append(self.flat_grad[at:at + n].reshape(shape))
            at += n
        # Layer i's weights (in, out), without the bias row where it is folded in.
        self.w = [self.params[0]] + [p[:-1] for p in self.params[2:]]
        self.b = [self.params[1]] + [p[-1] for p in self.params[2:]]
        for w in self.w:
            fan_in, fan_out = w.shape
            r = np.sqrt(6 / (fan_in + fan_out))  # Glorot uniform, as the core's default for sigmoid
            w[...] = rng.uniform(-r, r, (fan_in, fan_out))
        self.m = np.zeros(total, dtype)
        self.v = np.zeros(total, dtype)
        self.scratch = np.zeros(min(total, ADAM_CHUNK), dtype)
        # Activations: the input rows, then [h, 1] for every hidden layer, then the logits.
        self.aug = [np.ones((batch, s + 1), dtype) for s in self.sizes[1:-1]]
        self.h = [np.zeros((batch, self.sizes[0]), dtype)] + [a[:, :-1] for a in self.aug]
        self.logits = np.zeros((batch, self.sizes[-1]), dtype)
        # What layer i's GEMM reads (the rows, or [h, 1] of the layer below), the matrix it
        # multiplies them by, and where that matrix's gradient goes.
        self.ins = [self.h[0]] + self.aug
        self.mats = [self.params[0]] + self.params[2:]
        self.mat_grads = [self.grads[0]] + self.grads[2:]
        # One delta and one scratch buffer per layer width.
        self.delta = [np.zeros((batch, s), dtype) for s in self.sizes]
        self.tmp = [np.zeros((batch, s), dtype) for s in self.sizes]
        self.ones = np.ones(batch, dtype)
        self.step = 0

    def loss_and_grads(self, xb, scale=1.0):
        """Summed cross-entropy of the rows of `xb` (already in self.h[0][:n]); `scale` times
        the gradient of its mean over the rows goes into self.grads."""
        n = xb.shape[0]
        last = self.layers - 1
        for i in range(self.layers):
            a = self.logits[:n] if i == last else self.h[i + 1][:n]
            np.matmul(self.ins[i][:n], self.mats[i], out=a)
            if i == 0:
                a += self.b[0]
            if i < last:  # sigmoid in place: 1 / (1 + e^-a)
                np.negative(a, out=a)
                np.exp(a, out=a)
                a += 1
                np.divide(1, a, out=a)  # (np.reciprocal is slower: not vectorised the same way)
        logits = self.logits[:n]
        # u = 1 + e^−a serves both the loss and the gradient: softplus(a) − x·a = log(u) + a − x·a
        # and σ(a) = 1 / u. (np.logaddexp would take ~50 ns per element, as long as both GEMMs
        # of the layer; np.log1p has no SIMD loop where NumPy lacks SVML, as on AVX2 machines:
        # 5× np.log. log(u) loses e^−a where it is below float32's epsilon, at most 6e-8 nats
        # per pixel.) Where a < −88, u overflows float32: that batch's loss is then recomputed
        # in the overflow-free form max(a, 0) + log(1 + e^−|a|) − x·a.
        u = self.tmp[-1][:n]
        np.negative(logits, out=u)
        with np.errstate(over="ignore"):
            np.exp(u, out=u)
        u += 1
        d = self.delta[-1][:n]  # (σ(a) − x) · scale / n
        np.divide(1, u, out=d)
        np.log(u, out=u)
        ax = float(np.vdot(xb, logits))
        loss = float(u.sum()) + float(logits.sum()) - ax  # NumPy sums float32 pairwise: accurate enough
        if not np.isfinite(loss):
            stable = np.abs(logits, dtype=np.float64)
            loss = float((np.maximum(logits, 0) + np.log1p(np.exp(-stable))).sum()) - ax
        d -= xb
        d *= scale / n
        for i in reversed(range(self.layers)):
            np.matmul(self.ins[i][:n].T, d, out=self.mat_grads[i])  # with the bias from layer 2 on
            if i == 0:
                np.dot(self.ones[:n], d, out=self.grads[1])  # the first bias's gradient Σ_rows d, as a GEMV
                break
            # Through the sigmoid of layer i: h(1 − h).
            h = self.h[i][:n]
            below = self.delta[i][:n]
            np.matmul(d, self.w[i].T, out=below)
            below *= h
            one_minus = self.tmp[i][:n]
            np.subtract(1, h, out=one_minus)
            below *= one_minus
            d = below
        return loss

    def adam(self, lr, b1=B1, b2=B2, eps=EPS):
        """One Adam step (tfjs's update, bias corrections included) from gradients that
        loss_and_grads produced with scale = 1 − b1, so that the moments need
        no pass for their constants: m ← b1·m + G is Adam's first moment, and V ← b2·V + G² is
        its second one times (1 − b1)² / (1 − b2), which the step size and epsilon undo."""
        self.step += 1
        c1, c2 = 1 - b1**self.step, 1 - b2**self.step
        r = np.sqrt((1 - b2) / c2)  # sqrt(v̂) = sqrt(V) · r / (1 − b1)
        # Python floats: a NumPy float64 scalar would turn each float32 operation into a float64 one.
        step, eps_hat = float(lr * (1 - b1) / (c1 * r)), float(eps * (1 - b1) / r)
        for at in range(0, self.flat.size, ADAM_CHUNK):
            end = min(at + ADAM_CHUNK, self.flat.size)
            p, g, m, v = self.flat[at:end], self.flat_grad[at:end], self.m[at:end], self.v[at:end]
            t = self.scratch[: end - at]
            m *= b1
            m += g
            np.multiply(g, g, out=t)
            v *= b2
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

    def mean_loss(scale=1.0):
        net.h[0][:rows] = x
        return net.loss_and_grads(x, scale) / rows

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
    # The scaled gradient that training hands to Adam is the same gradient, scaled.
    mean_loss(1 - B1)
    for p, g in zip(net.grads, analytic):
        worst = max(worst, float(np.max(np.abs(p - (1 - B1) * g))) / float(np.max(np.abs(g))))
    # Adam with its constants folded (net.adam on scaled gradients) against the textbook update.
    p_ref, m_ref, v_ref = net.flat.copy(), np.zeros_like(net.flat), np.zeros_like(net.flat)
    lr = 0.01
    # Gradients from 1 down to 1e-9 (where epsilon matters), shrinking: the moments matter.
    size = np.logspace(0, -9, net.flat.size)
    for t in range(1, 4):
        g = rng.normal(0, 1, net.flat.size) * size * 10.0 ** (1 - t)
        m_ref = B1 * m_ref + (1 - B1) * g
        v_ref = B2 * v_ref + (1 - B2) * g * g
        p_ref -= lr * (m_ref / (1 - B1**t)) / (np.sqrt(v_ref / (1 - B2**t)) + EPS)
        net.flat_grad[:] = (1 - B1) * g
        net.adam(lr)
    adam = float(np.max(np.abs(net.flat - p_ref)) / np.max(np.abs(p_ref)))
    # Logits far below −88 overflow e^−a in float32: the loss must still be finite and right.
    net32 = Net(enc, rows, np.random.default_rng(4))
    net32.b[-1][:] = -150
    net32.h[0][:rows] = x
    got = net32.loss_and_grads(net32.h[0][:rows])
    w, b = net32.w, net32.b
    hidden = [x]
    for i in range(net32.layers):
        a = hidden[-1].astype(np.float64) @ w[i].astype(np.float64) + b[i]
        hidden.append(1 / (1 + np.exp(-a)) if i < net32.layers - 1 else a)
    want = float((np.logaddexp(0, hidden[-1]) - x * hidden[-1]).sum())
    overflow = abs(got - want) / abs(want)
    print(json.dumps({"maxRelError": max(worst, overflow, adam), "checked": checked, "overflowLossRelError": overflow, "adamRelError": adam}))


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
            total += net.loss_and_grads(xb, 1 - B1)
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
