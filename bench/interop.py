"""The Python half of `npm run interop` (bench/interop.mjs): checks what diabolo exported.

usage: interop.py versions
       interop.py check job.json    -> JSON on stdout

job.json: {"variants": [{"name", "dir", "data", "reference"}], "onnx": [...]} where each
variant's dir holds the files of `diabolo export --format pytorch` (model.safetensors,
model.py, train.py), data an .npy of inputs and reference a JSON of what diabolo computed on
them: reconstruct, encode, decode (of codes), the loss terms, and for the gradient one SGD
step on the whole batch. Every comparison runs the PyTorch module in float64, so the
differences are diabolo's float32 rounding.
"""
import importlib.util
import json
import sys

import numpy as np


def versions():
    out = {"python": sys.version.split()[0]}
    for name in ["torch", "safetensors", "numpy", "onnx", "onnxruntime"]:
        try:
            out[name] = __import__(name).__version__
        except Exception as e:  # reported, not fatal
            out[name] = f"missing ({type(e).__name__}: {e})"
    return out


def diff(got, want):
    """Largest absolute difference, and largest difference relative to the reference's scale."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape:
        return {"error": f"shape {list(got.shape)} vs {list(want.shape)}"}
    a = float(np.max(np.abs(got - want))) if got.size else 0.0
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    return {"maxAbs": a, "maxRel": a / scale if scale > 0 else a}


def term_diff(got, want):
    a = abs(got - want)
    return {"torch": got, "diabolo": want, "abs": a, "rel": a / abs(want) if want != 0 else a}


def check_variant(v):
    import torch
    from safetensors import safe_open
    from safetensors.numpy import load_file as load_numpy

    torch.set_num_threads(1)
    ref = json.load(open(v["reference"]))
    result = {"name": v["name"]}
    path = f"{v['dir']}/model.safetensors"
    # 1. The file, read by the safetensors package itself (NumPy and PyTorch loaders).
    arrays = load_numpy(path)
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
        keys = list(f.keys())
    result["safetensors"] = {
        "tensors": {k: list(arrays[k].shape) for k in arrays},
        "dtypes": sorted({str(a.dtype) for a in arrays.values()}),
        "metadataKeys": sorted(meta),
        "namesAsExpected": sorted(keys) == sorted(ref["tensorNames"]),
        "valuesEqual": all(np.array_equal(arrays[k].reshape(-1), np.asarray(ref["weights"][k], np.float32)) for k in ref["weights"]),
    }
    # 2. The module: its forward against diabolo's outputs.
    spec = importlib.util.spec_from_file_location(f"diabolo_model_{v['name']}", f"{v['dir']}/model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.load(path).double().eval()
    x = torch.from_numpy(np.load(v["data"]).astype(np.float64))
    with torch.no_grad():
        result["reconstruct"] = diff(model(x).numpy(), np.asarray(ref["reconstruct"]).reshape(x.shape))
        codes = model.encode(x).numpy()
        result["encode"] = diff(codes, np.asarray(ref["encode"]).reshape(codes.shape))
        z = torch.from_numpy(np.asarray(ref["codes"], np.float64).reshape(-1, codes.shape[1]))
        result["decode"] = diff(model.decode(z).numpy(), np.asarray(ref["decode"]).reshape(z.shape[0], -1))
        # 3. The objective's terms, no corruption, z = μ for a VAE.
        _, terms = model.loss(x, corrupt=False, sample=False)
    terms = {k: float(t) for k, t in terms.items()}
    result["terms"] = {k: term_diff(terms[k], ref["terms"][k]) for k in ref["terms"]}
    # 4. The gradient of the objective: diabolo's one SGD step (lr 1) on the whole batch.
    if "stepped" in ref:
        model.train()
        model.zero_grad()
        total, _ = model.loss(x, corrupt=False, sample=False)
        total.backward()
        g_torch, g_diabolo = [], []
        params = dict(model.named_parameters())
        for k in ref["tensorNames"]:
            g_torch.append(params[k].grad.numpy().reshape(-1))
            before = np.asarray(ref["weights"][k], np.float64)
            after = np.asarray(ref["stepped"][k], np.float64)
            g_diabolo.append((before - after) / ref["stepLearningRate"])
        result["gradient"] = diff(np.concatenate(g_torch), np.concatenate(g_diabolo))
    return result


def check_onnx(o):
    """An exported ONNX model: the onnx checker, then onnxruntime against diabolo's outputs."""
    import onnx
    import onnxruntime as ort

    out = {"name": o["name"], "part": o["part"]}
    m = onnx.load(o["file"])
    onnx.checker.check_model(m, full_check=True)
    out["checker"] = "clean"
    out["opset"] = [{"domain": s.domain, "version": s.version} for s in m.opset_import]
    sess = ort.InferenceSession(o["file"], providers=["CPUExecutionProvider"])
    x = np.load(o["input"]).astype(np.float32)
    got = sess.run(None, {sess.get_inputs()[0].name: x})
    out["outputs"] = [i.name for i in sess.get_outputs()]
    want = np.asarray(o["expected"], np.float64).reshape(got[0].shape)
    out["compare"] = diff(got[0], want)
    return out


def main():
    if sys.argv[1] == "versions":
        print(json.dumps(versions()))
        return
    job = json.load(open(sys.argv[2]))
    results = {"variants": [], "onnx": []}
    for v in job.get("variants", []):
        try:
            results["variants"].append(check_variant(v))
        except Exception as e:
            results["variants"].append({"name": v["name"], "error": f"{type(e).__name__}: {e}"})
    for o in job.get("onnx", []):
        try:
            results["onnx"].append(check_onnx(o))
        except Exception as e:
            results["onnx"].append({"name": o["name"], "part": o.get("part"), "error": f"{type(e).__name__}: {e}"})
    print(json.dumps(results))


main()
