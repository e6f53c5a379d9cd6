#!/usr/bin/env python3
"""Careful, fast pure-NumPy reference: 784-256-784 sigmoid autoencoder, BCE-from-logits, Adam.

Usage:
    careful_numpy.py data.f32 rows batch lr epochs     # 1 untimed warm-up epoch + `epochs` timed epochs
    careful_numpy.py --gradcheck                       # float64 central-difference check on a tiny model
    careful_numpy.py --check data.f32 [rows batch lr]  # compare fast path against a naive float32 loop

Math (exactly):
    h = sigmoid(x W1^T + b1)            W1: (256, 784)
    a = h W2^T + b2                     W2: (784, 256)
    row loss = sum_j softplus(a_j) - x_j a_j        (BCE from logits)
    minibatch objective = mean of row loss; Adam(lr, 0.9, 0.999, 1e-8) with bias correction.
    reported epoch loss = (sum over all rows of row loss) / rows.

Algebraic rewrites used by the fast path (exact identities; only float32 rounding differs,
and the per-step gradient accuracy was measured equal to a textbook float32 implementation):
  * Biases folded into the GEMMs: X is gathered as [x, 1] (785 columns), the hidden layer is
    kept as [h, 1], and the parameters live in ONE flat float32 vector as
        P1 = -[W1^T ; b1]  (785 x 256)      P2 = -[W2^T ; b2]  (257 x 784).
    Bias gradients come out of the weight-gradient GEMMs as their last row; Adam runs once
    over the flat vector (in L2-sized chunks).
  * Parameters are stored negated: Adam is odd-symmetric (p -> -p, g -> -g gives exactly the
    negated trajectory), and the GEMMs then deliver -z and -a, which is what
    sigmoid = 1 / (1 + exp(-.)) needs (no negation pass).
  * Output gradient D' = x - sigmoid(a) (textbook-precise form, = -n dL/da for n rows).
  * Loss per element softplus(a) - x a = log(1 + exp(-a)) + (1 - x) a, every term >= 0 and
    summed as such (no cancellation between large partial sums); 1 - x is precomputed once.
    If exp(-a) overflows (a < -88) the batch loss is recomputed with the overflow-free
    float64 form max(a,0) - x a + log1p(exp(-|a|)).
  * h (1 - h) = -(h - 1) h.
  * Adam: with k = batch size and a per-step scale c_t = c_{t-1} / b1 (rebased to 1 whenever it
    exceeds 1e4), the gradients are produced directly as G = c_t k dL/dp (the scale is applied
    to a 128x257 copy of [h,1], and for a short last batch of n rows k/n replaces 1/n).
    With M = c_t k m / (1 - b1) and V = c_t^2 k^2 v / (1 - b2):
        M += G                       (the b1 decay is absorbed by c_t: no pass)
        V = (b2 c_t^2 / c_{t-1}^2) V + G^2
        p -= step_t * M / (sqrt(V) + c_t k eps / r_t)
    with r_t = sqrt((1 - b2) / (1 - b2^t)) and step_t = lr (1 - b1) / ((1 - b1^t) r_t), which
    is algebraically identical to  p -= lr * mhat / (sqrt(vhat) + eps)  with bias correction.
  * Minibatch gathers use np.take(..., out=buffer, mode='wrap') (mode='raise' buffers = slow).
"""
import json
import math
import sys
import time

import numpy as np

try:  # pin BLAS to one thread even if the environment variable was not set
    from threadpoolctl import threadpool_limits
except Exception:  # pragma: no cover
    threadpool_limits = None

N_IN, N_HID = 784, 256
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def glorot_init(rng, n_in=N_IN, n_hid=N_HID):
    r = math.sqrt(6.0 / (n_in + n_hid))
    W1 = rng.uniform(-r, r, size=(n_hid, n_in))   # (256, 784)
    W2 = rng.uniform(-r, r, size=(n_in, n_hid))   # (784, 256)
    return W1, W2


class FastAE:
    """All buffers preallocated; one call of `step` = forward + loss + backward + Adam.

    Parameters are stored NEGATED and bias-augmented in one flat float32 vector:
        P1 = -[W1^T ; b1]   (n_in+1, n_hid)      P2 = -[W2^T ; b2]   (n_hid+1, n_in)
    (Adam is odd-symmetric, so running it on -p with gradient -g gives exactly -(Adam on p).)
    This makes the GEMMs produce -z and -a directly, which is what the sigmoids need.
    """

    def __init__(self, W1, W2, b1, b2, batch, lr, dtype=np.float32, adam_chunk=1 << 15):
        dt = np.dtype(dtype)
        self.dt = dt
        n_hid, n_in = W1.shape
        self.n_in, self.n_hid, self.B = n_in, n_hid, batch
        self.lr = float(lr)
        n1 = (n_in + 1) * n_hid
        n2 = (n_hid + 1) * n_in
        N = n1 + n2
        self.P = np.empty(N, dt)
        self.G = np.empty(N, dt)
        self.M = np.zeros(N, dt)
        self.V = np.zeros(N, dt)
        self.P1 = self.P[:n1].reshape(n_in + 1, n_hid)
        self.P2 = self.P[n1:].reshape(n_hid + 1, n_in)
        self.P1[:n_in] = -W1.T
        self.P1[n_in] = -b1
        self.P2[:n_hid] = -W2.T
        self.P2[n_hid] = -b2
        self.P2w = self.P2[:n_hid]                             # -W2^T, contiguous view
        self.G1 = self.G[:n1].reshape(n_in + 1, n_hid)
        self.G2 = self.G[n1:].reshape(n_hid + 1, n_in)
        B = batch
        self.Xa = np.empty((B, n_in + 1), dt)       # [x, 1]
        self.X1 = np.empty((B, n_in), dt)           # 1 - x
        self.NZ = np.empty((B, n_hid), dt)          # -z, then temporaries
        self.Ha = np.empty((B, n_hid + 1), dt)      # [h, 1]
        self.Ha[:, n_hid] = 1
        self.Hs = np.empty((B, n_hid + 1), dt)      # f * [h, 1]  (gradient-scaled copy)
        self.NA = np.empty((B, n_in), dt)           # -a
        self.T1 = np.empty((B, n_in), dt)
        self.S = np.empty((B, n_in), dt)            # sigmoid(a) -> D' = x - sigmoid(a)
        self.E = np.empty((B, n_hid), dt)
        self.ones = np.ones(n_in * B, dt)
        self.t = 0
        self.tmp = np.empty(min(adam_chunk, N), dt)
        self.chunks = []
        for s in range(0, N, adam_chunk):
            e = min(s + adam_chunk, N)
            self.chunks.append((self.P[s:e], self.G[s:e], self.M[s:e], self.V[s:e],
                                self.tmp[:e - s]))
        self.k = float(batch)          # gradients are kept as c_t * k * true gradient
        self.c_prev = BETA1            # scale of the Adam M/V representation (see adam())
        self.c = 1.0
        self.rebase_limit = 1e4

    # ---------------------------------------------------------------- data
    @staticmethod
    def prepare(X, dtype=np.float32):
        """Once, before training: [x, 1] and 1 - x (data layout, not part of the timed loop)."""
        rows, n_in = X.shape
        Xa = np.empty((rows, n_in + 1), dtype)
        Xa[:, :n_in] = X
        Xa[:, n_in] = 1
        X1 = np.empty((rows, n_in), dtype)
        np.subtract(1, X, out=X1)
        return Xa, X1

    # ---------------------------------------------------------------- Adam
    def begin_step(self):
        """Choose the gradient scale c_t for this step (M is stored as c_t * M so that the
        b1-decay of M needs no pass: M_t c_t = M_{t-1} c_{t-1} + c_t g_t when c_t = c_{t-1}/b1)."""
        c = self.c_prev / BETA1
        if c > self.rebase_limit:            # keep the scale bounded: rebase to c_{t-1} = 1
            inv = self.dt.type(1.0 / self.c_prev)
            np.multiply(self.M, inv, out=self.M)
            np.multiply(self.V, inv * inv, out=self.V)
            self.c_prev = 1.0
            c = 1.0 / BETA1
        self.c = c
        return c

    def adam(self):
        """Adam on the representation  M = c_t k m/(1-b1),  V = c_t^2 k^2 v/(1-b2):
            M += G ;  V = (b2 c_t^2/c_{t-1}^2) V + G^2 ;
            p -= step_t * M / (sqrt(V) + c_t k eps / r_t),
        r_t = sqrt((1-b2)/(1-b2^t)), step_t = lr (1-b1) / ((1-b1^t) r_t);
        identical to p -= lr * mhat / (sqrt(vhat) + eps)."""
        self.t += 1
        t = self.t
        r = math.sqrt((1.0 - BETA2) / (1.0 - BETA2 ** t))
        dt = self.dt.type
        c = self.c
        beta = dt(BETA2 * (c / self.c_prev) ** 2)
        step = dt(self.lr * (1.0 - BETA1) / ((1.0 - BETA1 ** t) * r))
        eps = dt(c * self.k * EPS / r)
        self.c_prev = c
        mul, add, sub, sq, sqrt, div = (np.multiply, np.add, np.subtract, np.square,
                                        np.sqrt, np.divide)
        for P, G, M, V, T in self.chunks:
            add(M, G, out=M)
            sq(G, out=T)
            mul(V, beta, out=V)
            add(V, T, out=V)
            sqrt(V, out=T)
            add(T, eps, out=T)
            div(M, T, out=T)
            mul(T, step, out=T)
            sub(P, T, out=P)

    # ---------------------------------------------------------------- one minibatch
    def forward_backward(self, Xa, X1, n, c=1.0):
        """Xa: (n, n_in+1) [x,1]; X1: (n, n_in) 1-x.  Fills self.G with c * k * dLoss/dP.
        Returns the sum over the n rows of the per-row loss (python float)."""
        B, n_in, n_hid = self.B, self.n_in, self.n_hid
        self._gscale = c
        full = n == B
        NZ = self.NZ if full else self.NZ[:n]
        Ha = self.Ha if full else self.Ha[:n]
        NA = self.NA if full else self.NA[:n]
        T1 = self.T1 if full else self.T1[:n]
        S = self.S if full else self.S[:n]
        E = self.E if full else self.E[:n]
        H = Ha[:, :n_hid]
        X = Xa[:, :n_in]
        # hidden: h = 1 / (1 + exp(-z))        (exp may overflow to inf -> h = 0, the right limit)
        np.matmul(Xa, self.P1, out=NZ)
        np.exp(NZ, out=NZ)
        np.add(NZ, 1, out=NZ)
        np.divide(1, NZ, out=H)
        # output: -a, d = 1 + exp(-a), s = 1/d
        np.matmul(Ha, self.P2, out=NA)
        np.exp(NA, out=T1)
        np.add(T1, 1, out=T1)
        np.divide(1, T1, out=S)
        np.subtract(X, S, out=S)                     # D' = x - s = -n dL/da
        # loss per element = softplus(a) - x a = log(1 + exp(-a)) + (1 - x) a  (all terms >= 0)
        np.log(T1, out=T1)
        np.multiply(NA, X1, out=NA)
        np.subtract(T1, NA, out=T1)
        loss = float(np.dot(T1.reshape(-1), self.ones[:n * n_in]))
        if not math.isfinite(loss):              # some a < -88: exp(-a) overflowed
            loss = self._stable_loss(Ha, X)
        # E = D' (-W2^T)^T = n dL/dh   (uses the old W2)
        np.matmul(S, self.P2w.T, out=E)
        # gradient scale f: every gradient below comes out as f * n * true = c * k * true
        Hs = self.Hs if full else self.Hs[:n]
        np.subtract(H, 1, out=NZ)
        np.multiply(Ha, self.dt.type(c * self.k / n), out=Hs)
        # G2 = f [h,1]^T D' = c k dL/dP2
        np.matmul(Hs.T, S, out=self.G2)
        # E *= (h - 1) f h  -> -c k dL/dz
        np.multiply(NZ, Hs[:, :n_hid], out=NZ)
        np.multiply(E, NZ, out=E)
        # G1 = [x,1]^T E = c k dL/dP1
        np.matmul(Xa.T, E, out=self.G1)
        return loss

    def _stable_loss(self, Ha, X):
        a = -(Ha.astype(np.float64) @ self.P2.astype(np.float64))
        return float((np.maximum(a, 0) - X * a + np.log1p(np.exp(-np.abs(a)))).sum())

    def step(self, Xa, X1, n):
        loss = self.forward_backward(Xa, X1, n, self.begin_step())
        self.adam()
        return loss

    def epoch(self, XaAll, X1All, perm):
        rows = perm.shape[0]
        B = self.B
        total = 0.0
        take = np.take
        for s in range(0, rows, B):
            idx = perm[s:s + B]
            n = idx.shape[0]
            Xa = self.Xa if n == B else self.Xa[:n]
            X1 = self.X1 if n == B else self.X1[:n]
            take(XaAll, idx, axis=0, out=Xa, mode='wrap')   # idx always valid
            take(X1All, idx, axis=0, out=X1, mode='wrap')
            total += self.step(Xa, X1, n)
        return total / rows

    # ---------------------------------------------------------------- accessors
    def params(self):
        """(W1, b1, W2, b2) in the canonical shapes, as copies."""
        n_in, n_hid = self.n_in, self.n_hid
        return (-self.P1[:n_in].T, -self.P1[n_in], -self.P2[:n_hid].T, -self.P2[n_hid])

    def true_grads(self):
        n_in, n_hid, k = self.n_in, self.n_hid, self.k * self._gscale
        return (-self.G1[:n_in].T / k, -self.G1[n_in] / k,
                -self.G2[:n_hid].T / k, -self.G2[n_hid] / k)


# -------------------------------------------------------------------- naive references
def naive_loss_grads(W1, b1, W2, b2, X):
    """Straightforward textbook formulas (any dtype). Returns (mean loss, grads)."""
    z = X @ W1.T + b1
    h = 1.0 / (1.0 + np.exp(-z))
    a = h @ W2.T + b2
    rowloss = (np.logaddexp(0, a) - X * a).sum(axis=1)
    B = X.shape[0]
    s = 1.0 / (1.0 + np.exp(-a))
    dA = (s - X) / B
    gW2 = dA.T @ h
    gb2 = dA.sum(0)
    dZ = (dA @ W2) * h * (1 - h)
    gW1 = dZ.T @ X
    gb1 = dZ.sum(0)
    return rowloss.mean(), rowloss.sum(), (gW1, gb1, gW2, gb2)


def naive_train(X, rows, batch, lr, epochs, seed=1):
    """Plain float32 training loop (reference for --check)."""
    rng = np.random.default_rng(seed)
    W1, W2 = glorot_init(rng, X.shape[1])
    ps = [W1.astype(np.float32), np.zeros(W1.shape[0], np.float32),
          W2.astype(np.float32), np.zeros(W2.shape[0], np.float32)]
    ms = [np.zeros_like(p) for p in ps]
    vs = [np.zeros_like(p) for p in ps]
    t = 0
    losses = []
    for ep in range(epochs):
        perm = rng.permutation(rows)
        tot = 0.0
        for s in range(0, rows, batch):
            xb = X[perm[s:s + batch]]
            _, lsum, gs = naive_loss_grads(*ps, xb)
            tot += float(lsum)
            t += 1
            for p, m, v, g in zip(ps, ms, vs, gs):
                m[...] = BETA1 * m + (1 - BETA1) * g
                v[...] = BETA2 * v + (1 - BETA2) * g * g
                mh = m / np.float32(1 - BETA1 ** t)
                vh = v / np.float32(1 - BETA2 ** t)
                p -= np.float32(lr) * mh / (np.sqrt(vh) + np.float32(EPS))
        losses.append(tot / rows)
    return ps, losses


def fast_train(X, rows, batch, lr, epochs, timed=False, seed=1):
    rng = np.random.default_rng(seed)
    W1, W2 = glorot_init(rng, X.shape[1])
    model = FastAE(W1.astype(np.float32), W2.astype(np.float32),
                   np.zeros(W1.shape[0], np.float32), np.zeros(W2.shape[0], np.float32),
                   batch, lr)
    XaAll, X1All = FastAE.prepare(X[:rows])
    losses, times = [], []
    for ep in range(epochs):
        perm = rng.permutation(rows)
        t0 = time.perf_counter()
        loss = model.epoch(XaAll, X1All, perm)
        times.append(time.perf_counter() - t0)
        losses.append(loss)
    return model, losses, times


# -------------------------------------------------------------------- modes
def _relerr(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-30)))


def gradcheck():
    """float64 central differences of the naive mean loss vs the fast path's gradient
    (run in float64 with the same code, with a non-trivial gradient scale c)."""
    rng = np.random.default_rng(123)
    n_in, n_hid, B = 9, 5, 6
    X = rng.random((B, n_in))
    X[0, :3] = (0.0, 1.0, 1.0)            # include exact 0/1 pixels like MNIST
    W1 = rng.uniform(-1, 1, (n_hid, n_in))
    W2 = rng.uniform(-1, 1, (n_in, n_hid))
    b1 = rng.uniform(-0.5, 0.5, n_hid)
    b2 = rng.uniform(-0.5, 0.5, n_in)
    Xa, X1 = FastAE.prepare(X, np.float64)
    m = FastAE(W1, W2, b1, b2, B, 1e-3, dtype=np.float64)
    lsum_fast = m.forward_backward(Xa, X1, B, c=1.7)
    g_fast = m.true_grads()
    _, ref_sum, g_naive = naive_loss_grads(W1, b1, W2, b2, X)
    params = [W1, b1, W2, b2]
    h = 1e-5
    fd_all, ga_all = [], []
    for pi, p in enumerate(params):
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            lp = naive_loss_grads(*params, X)[0]
            p[idx] = old - h
            lm = naive_loss_grads(*params, X)[0]
            p[idx] = old
            fd_all.append((lp - lm) / (2 * h))
            ga_all.append(g_fast[pi][idx])
    fd_all, ga_all = np.array(fd_all), np.array(ga_all)
    # short last batch (n < B rows): gradient must be the mean over those n rows
    n = 4
    m2 = FastAE(W1, W2, b1, b2, B, 1e-3, dtype=np.float64)
    m2.Xa[:n] = Xa[:n]
    m2.X1[:n] = X1[:n]
    lsum2 = m2.forward_backward(m2.Xa[:n], m2.X1[:n], n, c=0.3)
    _, ref_sum2, g2 = naive_loss_grads(W1, b1, W2, b2, X[:n])
    # overflow fallback: logits far below the exp range
    b2o = b2.copy()
    b2o[:3] = -1000.0
    m3 = FastAE(W1, W2, b1, b2o, B, 1e-3, dtype=np.float64)
    lsum3 = m3.forward_backward(Xa, X1, B)
    _, ref_sum3, g3 = naive_loss_grads(W1, b1, W2, b2o, X)
    out = {"gradcheck": "float64 central differences (h=%g) of the mean minibatch loss, tiny "
                        "model %d-%d-%d, batch %d, %d parameters" % (h, n_in, n_hid, n_in, B, fd_all.size),
           "maxRelErrVsFiniteDiff": _relerr(ga_all, fd_all),
           "maxAbsErrVsFiniteDiff": float(np.max(np.abs(ga_all - fd_all))),
           "maxAbsGrad": float(np.max(np.abs(fd_all))),
           "maxRelErrVsAnalyticNaive": max(_relerr(a, b) for a, b in zip(g_fast, g_naive)),
           "lossRelErr": abs(lsum_fast - ref_sum) / abs(ref_sum),
           "shortBatchMaxRelErr": max(_relerr(a, b) for a, b in zip(m2.true_grads(), g2)),
           "shortBatchLossRelErr": abs(lsum2 - ref_sum2) / abs(ref_sum2),
           "overflowFallbackLossRelErr": abs(lsum3 - ref_sum3) / abs(ref_sum3),
           "overflowFallbackGradMaxRelErr": max(_relerr(a, b) for a, b in zip(m3.true_grads(), g3))}
    print(json.dumps(out))
    return out["maxRelErrVsFiniteDiff"] < 1e-5


def load(path, rows):
    X = np.fromfile(path, dtype="<f4", count=rows * N_IN)
    if X.size != rows * N_IN:
        raise SystemExit("data file too small for %d rows" % rows)
    return X.reshape(rows, N_IN).astype(np.float32, copy=False)


def check(path, rows=1000, batch=100, lr=1e-3, epochs=2):
    X = load(path, rows)
    ps, nl = naive_train(X, rows, batch, lr, epochs)
    model, fl, _ = fast_train(X, rows, batch, lr, epochs)
    fp = model.params()
    diffs = [float(np.max(np.abs(a - b))) for a, b in zip(fp, ps)]
    scale = [float(np.max(np.abs(b))) for b in ps]
    print(json.dumps({"naiveLoss": nl, "fastLoss": fl, "maxAbsParamDiff": diffs,
                      "maxAbsParam": scale}))


def main(argv):
    np.seterr(over="ignore")  # exp overflow in the hidden sigmoid is intended (-> 0)
    if argv and argv[0] == "--gradcheck":
        ok = gradcheck()
        return 0 if ok else 1
    if argv and argv[0] == "--check":
        a = argv[1:]
        check(a[0], *(int(a[1]), int(a[2]), float(a[3])) if len(a) >= 4 else ())
        return 0
    if len(argv) != 5:
        raise SystemExit(__doc__)
    path, rows, batch, lr, epochs = argv[0], int(argv[1]), int(argv[2]), float(argv[3]), int(argv[4])
    X = load(path, rows)
    model, losses, times = fast_train(X, rows, batch, lr, 1 + epochs)
    best = min(times[1:]) if epochs > 0 else times[0]
    print(json.dumps({"samplesPerSecond": rows / best, "loss": losses[-1]}))
    return 0


if __name__ == "__main__":
    if threadpool_limits is not None:
        with threadpool_limits(limits=1, user_api="blas"):
            sys.exit(main(sys.argv[1:]))
    sys.exit(main(sys.argv[1:]))
