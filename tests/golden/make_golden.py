#!/usr/bin/env python3
"""Golden vectors for the numeric core, computed independently of it in float64 with
Python's `math` module only (plain loops, textbook formulas). The JSON it writes is read by
`cargo test` (native, f32 and f64) and by vitest (every wasm flavour).

Regenerate with `python3 tests/golden/make_golden.py > tests/golden/ops.json`."""
import json
import math
import random

rng = random.Random(20261126)


def randn(n, scale=1.0):
    return [rng.gauss(0.0, scale) for _ in range(n)]


def unif(n, lo=0.0, hi=1.0):
    return [rng.uniform(lo, hi) for _ in range(n)]


def sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))


def softplus(a):
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


ACT = {
    "linear": (lambda a, al: a, lambda a, al: 1.0, lambda a, al: 0.0),
    "sigmoid": (lambda a, al: sigmoid(a), lambda a, al: sigmoid(a) * (1 - sigmoid(a)),
                lambda a, al: sigmoid(a) * (1 - sigmoid(a)) * (1 - 2 * sigmoid(a))),
    "tanh": (lambda a, al: math.tanh(a), lambda a, al: 1 - math.tanh(a) ** 2,
             lambda a, al: -2 * math.tanh(a) * (1 - math.tanh(a) ** 2)),
    "relu": (lambda a, al: max(a, 0.0), lambda a, al: 1.0 if a > 0 else 0.0, lambda a, al: 0.0),
    "leakyRelu": (lambda a, al: a if a > 0 else al * a, lambda a, al: 1.0 if a > 0 else al, lambda a, al: 0.0),
    "elu": (lambda a, al: a if a > 0 else al * math.expm1(a), lambda a, al: 1.0 if a > 0 else al * math.exp(a),
            lambda a, al: 0.0 if a > 0 else al * math.exp(a)),
    "softplus": (lambda a, al: softplus(a), lambda a, al: sigmoid(a), lambda a, al: sigmoid(a) * (1 - sigmoid(a))),
}


def preact(x, w, b, n, d, k):
    return [[sum(x[i * d + p] * w[j * d + p] for p in range(d)) + b[j] for j in range(k)] for i in range(n)]


cases = []


def case(name, op, params, inputs, outputs, act=None):
    c = {"name": name, "op": op, "params": params, "inputs": inputs, "outputs": outputs}
    if act:
        c["act"] = act
    cases.append(c)


n, d, k = 5, 7, 3
for act, alpha in [("linear", 0), ("sigmoid", 0), ("tanh", 0), ("relu", 0), ("leakyRelu", 0.1), ("elu", 1.0),
                   ("softplus", 0)]:
    x, w, b = randn(n * d), randn(k * d, 0.5), randn(k, 0.3)
    f, df, _ = ACT[act]
    a = preact(x, w, b, n, d, k)
    h = [f(a[i][j], alpha) for i in range(n) for j in range(k)]
    case(f"dense_forward_{act}", "dense_forward", {"n": n, "inputs": d, "outputs": k, "alpha": alpha},
         {"x": x, "w": w, "b": b}, {"h": h}, act)
    dh = randn(n * k)
    da = [dh[i * k + j] * df(a[i][j], alpha) for i in range(n) for j in range(k)]
    dw = [sum(da[i * k + j] * x[i * d + p] for i in range(n)) for j in range(k) for p in range(d)]
    db = [sum(da[i * k + j] for i in range(n)) for j in range(k)]
    dx = [sum(da[i * k + j] * w[j * d + p] for j in range(k)) for i in range(n) for p in range(d)]
    case(f"dense_backward_{act}", "dense_backward", {"n": n, "inputs": d, "outputs": k, "alpha": alpha},
         {"x": x, "w": w, "b": b, "dh": dh}, {"dw": dw, "db": db, "dx": dx}, act)

# Losses: MSE and BCE from logits, 4 samples of 6 features.
n, d = 4, 6
out, tgt = randn(n * d), unif(n * d)
case("loss_mse", "loss", {"n": n, "loss": 0}, {"out": out, "x": tgt},
     {"value": [sum((o - t) ** 2 for o, t in zip(out, tgt)) / n], "grad": [2 * (o - t) / n for o, t in zip(out, tgt)]})
case("loss_bce", "loss", {"n": n, "loss": 1}, {"out": out, "x": tgt},
     {"value": [sum(softplus(a) - t * a for a, t in zip(out, tgt)) / n],
      "grad": [(sigmoid(a) - t) / n for a, t in zip(out, tgt)]})

# Softmax cross-entropy, 5 samples of 4 classes (one row with large logits).
n, c = 5, 4
logits = randn(n * c, 2.0)
logits[4:8] = [40.0, -30.0, 5.0, 0.0]
labels = [rng.randrange(c) for _ in range(n)]
value, grad = 0.0, []
for i in range(n):
    row = logits[i * c:(i + 1) * c]
    m = max(row)
    lse = m + math.log(sum(math.exp(v - m) for v in row))
    value += lse - row[labels[i]]
    grad += [(math.exp(v - lse) - (1.0 if j == labels[i] else 0.0)) / n for j, v in enumerate(row)]
case("softmax_cross_entropy", "softmax_ce", {"classes": c}, {"logits": logits, "labels": labels},
     {"value": [value / n], "grad": grad})

# KL sparsity on sigmoid codes.
n, k, rho, beta = 8, 5, 0.05, 3.0
hcodes = unif(n * k, 0.01, 0.3)
rh = [sum(hcodes[i * k + j] for i in range(n)) / n for j in range(k)]
val = beta * sum(rho * math.log(rho / r) + (1 - rho) * math.log((1 - rho) / (1 - r)) for r in rh)
dh = [beta / n * (-rho / rh[j] + (1 - rho) / (1 - rh[j])) for i in range(n) for j in range(k)]
case("kl_sparsity", "kl_sparsity", {"n": n, "outputs": k, "rho": rho, "beta": beta}, {"h": hcodes},
     {"value": [val], "dh": dh})

# Contractive penalty alone (loss = λ/n Σ_i ‖J‖²) on a sigmoid and a tanh layer.
n, d, k, lam = 4, 6, 3, 0.7
for act in ["sigmoid", "tanh"]:
    x, w, b = randn(n * d), randn(k * d, 0.6), randn(k, 0.3)
    f, df, d2f = ACT[act]
    a = preact(x, w, b, n, d, k)
    q = [sum(w[j * d + p] ** 2 for p in range(d)) for j in range(k)]
    val = lam / n * sum(df(a[i][j], 0) ** 2 * q[j] for i in range(n) for j in range(k))
    da = [lam / n * 2 * df(a[i][j], 0) * d2f(a[i][j], 0) * q[j] for i in range(n) for j in range(k)]
    coef = [2 * lam / n * sum(df(a[i][j], 0) ** 2 for i in range(n)) for j in range(k)]
    dw = [sum(da[i * k + j] * x[i * d + p] for i in range(n)) + coef[j] * w[j * d + p] for j in range(k) for p in range(d)]
    db = [sum(da[i * k + j] for i in range(n)) for j in range(k)]
    dx = [sum(da[i * k + j] * w[j * d + p] for j in range(k)) for i in range(n) for p in range(d)]
    case(f"contractive_{act}", "contractive", {"n": n, "inputs": d, "outputs": k, "lambda": lam, "alpha": 0},
         {"x": x, "w": w, "b": b}, {"value": [val], "dw": dw, "db": db, "dx": dx}, act)

# L2 weight decay.
w, lam = randn(10), 0.01
case("l2", "l2", {"lambda": lam}, {"w": w}, {"value": [0.5 * lam * sum(v * v for v in w)], "grad": [lam * v for v in w]})

# VAE: reparameterisation with given ε and KL to N(0, I).
n, z, beta = 3, 4, 0.5
mu, lv, eps = randn(n * z), randn(n * z, 0.5), randn(n * z)
case("vae_reparameterize", "reparameterize", {}, {"mu": mu, "logvar": lv, "eps": eps},
     {"z": [m + math.exp(0.5 * l) * e for m, l, e in zip(mu, lv, eps)]})
case("vae_kl", "vae_kl", {"n": n, "beta": beta}, {"mu": mu, "logvar": lv},
     {"value": [beta / n * sum(-0.5 * (1 + l - m * m - math.exp(l)) for m, l in zip(mu, lv))],
      "dmu": [beta / n * m for m in mu], "dlogvar": [beta / n * 0.5 * (math.exp(l) - 1) for l in lv]})

# Optimizers: three steps from p0 with the gradients g1, g2, g3.
p0, gs = randn(6), [randn(6) for _ in range(3)]


def run_opt(kind, lr, **hp):
    p = list(p0)
    m = [0.0] * 6
    v = [0.0] * 6
    for t, g in enumerate(gs, start=1):
        for i in range(6):
            if kind == "sgd":
                p[i] -= lr * g[i]
            elif kind == "momentum":
                m[i] = hp["momentum"] * m[i] + g[i]
                p[i] -= lr * (g[i] + hp["momentum"] * m[i] if hp["nesterov"] else m[i])
            else:
                m[i] = hp["beta1"] * m[i] + (1 - hp["beta1"]) * g[i]
                v[i] = hp["beta2"] * v[i] + (1 - hp["beta2"]) * g[i] ** 2
                mh = m[i] / (1 - hp["beta1"] ** t)
                vh = v[i] / (1 - hp["beta2"] ** t)
                if kind == "adamw":
                    p[i] -= lr * hp["weight_decay"] * p[i]
                p[i] -= lr * mh / (math.sqrt(vh) + hp["eps"])
    return p


flat_g = [x for g in gs for x in g]
for name, kind, lr, hp in [
    ("sgd", "sgd", 0.1, {}),
    ("momentum", "momentum", 0.1, {"momentum": 0.9, "nesterov": 0}),
    ("nesterov", "momentum", 0.1, {"momentum": 0.9, "nesterov": 1}),
    ("adam", "adam", 0.01, {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    ("adamw", "adamw", 0.01, {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1}),
]:
    kinds = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 3}
    case(f"optimizer_{name}", "optimizer", {"kind": kinds[kind], "lr": lr, **{k2: float(v2) for k2, v2 in hp.items()}},
         {"p": p0, "grads": flat_g}, {"p": run_opt(kind, lr, **hp)})

# Added later, after every case above and with its own generator, so that the cases above
# (and their bytes in ops.json) stay as they were: SiLU and GELU layers, and the L1 loss.
rng_new = random.Random(20261201)


def randn_new(n, scale=1.0):
    return [rng_new.gauss(0.0, scale) for _ in range(n)]


def unif_new(n, lo=0.0, hi=1.0):
    return [rng_new.uniform(lo, hi) for _ in range(n)]


def std_normal_cdf(a):
    # Φ(a) = ½·erfc(−a/√2) = ½·(1 + erf(a/√2)); erfc keeps its digits for a ≪ 0.
    return 0.5 * math.erfc(-a / math.sqrt(2.0))


def std_normal_pdf(a):
    return math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)


def silu_d2(a):
    s = sigmoid(a)
    return s * (1 - s) * (2 + a * (1 - 2 * s))


ACT_NEW = {
    # SiLU a·σ(a): s′ = σ(1 + a(1 − σ)), s″ = σ(1 − σ)(2 + a(1 − 2σ)).
    "silu": (lambda a, al: a * sigmoid(a), lambda a, al: sigmoid(a) * (1 + a * (1 - sigmoid(a))),
             lambda a, al: silu_d2(a)),
    # GELU a·Φ(a) (exact, PyTorch's nn.GELU()): s′ = Φ + a·φ, s″ = φ·(2 − a²).
    "gelu": (lambda a, al: a * std_normal_cdf(a), lambda a, al: std_normal_cdf(a) + a * std_normal_pdf(a),
             lambda a, al: std_normal_pdf(a) * (2 - a * a)),
}

n, d, k = 5, 7, 3
for act in ["silu", "gelu"]:
    x, w, b = randn_new(n * d), randn_new(k * d, 0.5), randn_new(k, 0.3)
    f, df, _ = ACT_NEW[act]
    a = preact(x, w, b, n, d, k)
    h = [f(a[i][j], 0) for i in range(n) for j in range(k)]
    case(f"dense_forward_{act}", "dense_forward", {"n": n, "inputs": d, "outputs": k, "alpha": 0},
         {"x": x, "w": w, "b": b}, {"h": h}, act)
    dh = randn_new(n * k)
    da = [dh[i * k + j] * df(a[i][j], 0) for i in range(n) for j in range(k)]
    dw = [sum(da[i * k + j] * x[i * d + p] for i in range(n)) for j in range(k) for p in range(d)]
    db = [sum(da[i * k + j] for i in range(n)) for j in range(k)]
    dx = [sum(da[i * k + j] * w[j * d + p] for j in range(k)) for i in range(n) for p in range(d)]
    case(f"dense_backward_{act}", "dense_backward", {"n": n, "inputs": d, "outputs": k, "alpha": 0},
         {"x": x, "w": w, "b": b, "dh": dh}, {"dw": dw, "db": db, "dx": dx}, act)

# The contractive penalty through the pre-activation: s′ and s″ of SiLU and GELU are not
# functions of the output.
n, d, k, lam = 4, 6, 3, 0.7
for act in ["silu", "gelu"]:
    x, w, b = randn_new(n * d), randn_new(k * d, 0.6), randn_new(k, 0.3)
    f, df, d2f = ACT_NEW[act]
    a = preact(x, w, b, n, d, k)
    q = [sum(w[j * d + p] ** 2 for p in range(d)) for j in range(k)]
    val = lam / n * sum(df(a[i][j], 0) ** 2 * q[j] for i in range(n) for j in range(k))
    da = [lam / n * 2 * df(a[i][j], 0) * d2f(a[i][j], 0) * q[j] for i in range(n) for j in range(k)]
    coef = [2 * lam / n * sum(df(a[i][j], 0) ** 2 for i in range(n)) for j in range(k)]
    dw = [sum(da[i * k + j] * x[i * d + p] for i in range(n)) + coef[j] * w[j * d + p] for j in range(k) for p in range(d)]
    db = [sum(da[i * k + j] for i in range(n)) for j in range(k)]
    dx = [sum(da[i * k + j] * w[j * d + p] for j in range(k)) for i in range(n) for p in range(d)]
    case(f"contractive_{act}", "contractive", {"n": n, "inputs": d, "outputs": k, "lambda": lam, "alpha": 0},
         {"x": x, "w": w, "b": b}, {"value": [val], "dw": dw, "db": db, "dx": dx}, act)

# L1 (mean absolute error, scaled as MSE: sum over features, mean over samples), 4 samples of
# 6 features, two outputs equal to their targets (subgradient 0). Losses are numbered by
# their place in the core's registry: mse 0, bce 1, l1 2.
n, d = 4, 6
out, tgt = randn_new(n * d), unif_new(n * d)
out[3], out[10] = tgt[3], tgt[10]
sign = [(o > t) - (o < t) for o, t in zip(out, tgt)]
case("loss_l1", "loss", {"n": n, "loss": 2}, {"out": out, "x": tgt},
     {"value": [sum(abs(o - t) for o, t in zip(out, tgt)) / n], "grad": [s / n for s in sign]})

print(json.dumps({"about": __doc__.strip().splitlines()[0], "cases": cases}, indent=1))
