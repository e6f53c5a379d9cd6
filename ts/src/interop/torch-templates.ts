// The fixed parts of the Python that `Autoencoder.toPyTorch` writes: the helpers of every
// model.py (the penalties as diabolo defines them, load and save) and train.py, which is the
// same for every model (it imports model.py). train.py is a raw string (its backslashes stay);
// the helpers hold none.

/** The helpers of model.py, written before the generated class. */
export const MODEL_PY_HELPERS = `
class Bias(nn.Module):
    """The bias of a tied decoder layer (its weights are an encoder layer's, transposed)."""

    def __init__(self, features):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(features))


def kl_sparsity(h, rho, beta):
    """β Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j the mean output of unit j over the minibatch. As in diabolo, the
    value is taken at ρ̂ clamped to [1e-6, 1 − 1e-6] and the gradient passes the clamp."""
    rho_hat = h.mean(0)
    r = rho_hat + (rho_hat.clamp(1e-6, 1 - 1e-6) - rho_hat).detach()
    return beta * (rho * torch.log(rho / r) + (1 - rho) * torch.log((1 - rho) / (1 - r))).sum()


def contractive(derivative, weight, lam):
    """λ/n Σ_i ‖∂h_i/∂x_i‖_F² of one layer in closed form, λ/n Σ_i Σ_j s′(a_ij)² ‖W_j‖²
    (derivative: s′(a), n × units; weight: units × inputs)."""
    return lam / derivative.shape[0] * (derivative.square() * weight.square().sum(1)).sum()


def kl_standard_normal(mu, logvar):
    """KL(N(μ, σ²) ‖ N(0, I)) summed over the code, mean over the samples."""
    return (-0.5 * (1 + logvar - mu.square() - logvar.exp())).sum() / mu.shape[0]


def load(path=None):
    """This model with the weights of a safetensors file (default: model.safetensors beside
    this file). A file that names another diabolo configuration is refused."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.safetensors")
    with safe_open(path, framework="pt") as f:
        meta = f.metadata() or {}
    if "diabolo.config" in meta and json.loads(meta["diabolo.config"]) != CONFIG:
        raise ValueError(f"{path} holds another model: its diabolo.config is not this model.py's")
    model = Autoencoder()
    model.load_state_dict(load_file(path))
    return model


def save(model, path, writer=None):
    """Write the weights (float32) as safetensors with this model's metadata, atomically;
    diabolo's Autoencoder.fromSafetensors reads the file back."""
    from safetensors.torch import save_file

    model = getattr(model, "module", model)  # unwrap DistributedDataParallel
    tensors = {k: v.detach().to(torch.float32).contiguous().cpu() for k, v in model.state_dict().items()}
    metadata = dict(METADATA)
    metadata["diabolo.writer"] = writer or f"PyTorch {torch.__version__} (model.py)"
    tmp = f"{path}.{os.getpid()}.tmp"
    save_file(tensors, tmp, metadata=metadata)
    os.replace(tmp, path)
`;

/** train.py: the same for every model. */
export const TRAIN_PY = String.raw`"""Continue training the diabolo model of model.py with PyTorch, on one process or many.

    torchrun --standalone --nproc_per_node=2 train.py --data x.npy --epochs 1
    python train.py --data train-images-idx3-ubyte --epochs 5 --out trained.safetensors

It loads model.safetensors (beside this file, or --weights), trains with the optimizer
diabolo used (model.make_optimizer) on diabolo's objective (model.Autoencoder.loss: inputs
corrupted and a VAE's code sampled as in diabolo's training), and writes the weights as
safetensors with the model's configuration in the metadata (--out; default: over --weights,
atomically), which diabolo's Autoencoder.fromSafetensors loads.

Under torchrun every process joins one DistributedDataParallel group (backend gloo: CPU;
nccl on GPUs with --backend nccl). Each global minibatch of --batch-size rows, drawn in an
order every process shares, is split among the processes; each loss is scaled by its share,
so the averaged gradient is the whole minibatch's, as in diabolo's data-parallel training.
(A sparsity penalty then sees each share's mean activation, not the whole minibatch's.)
A last minibatch with fewer rows than processes is skipped. Several machines: torchrun
--nnodes, --node_rank, --rdzv_endpoint (see torchrun --help); every node needs the data file.

Data (--data): a NumPy .npy file (float32/float64/integers; 1-D is one row, N-D arrays are
flattened after the first axis; values as they are, as diabolo's .npy reader) or an IDX file
such as MNIST's train-images-idx3-ubyte (bytes scaled to [0, 1], as diabolo's CLI does).
Each row must have the model's input width.

Prints one JSON line per epoch (rank 0): its mean objective and terms over the samples, and
seconds; --report FILE writes them all as JSON.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as diabolo  # noqa: E402  (model.py beside this file)


def read_data(path, limit=None):
    """The rows of a .npy or IDX file as a float32 array (rows × features)."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:1] == b"\x93":
        a = np.load(path, mmap_mode="r", allow_pickle=False)
        if a.dtype.kind not in "fiu":
            raise SystemExit(f"{path}: dtype {a.dtype} is not a number type")
        a = a.reshape(1, -1) if a.ndim == 1 else a.reshape(a.shape[0], -1)
        scale = 1.0
    elif head[:2] == b"\x00\x00" and head[2] == 0x08:
        ndim = head[3]
        with open(path, "rb") as f:
            f.seek(4)
            shape = np.frombuffer(f.read(4 * ndim), dtype=">u4").astype(np.int64)
        a = np.memmap(path, dtype=np.uint8, mode="r", offset=4 + 4 * ndim, shape=tuple(shape))
        a = a.reshape(shape[0], -1)
        scale = 1.0 / 255.0
    else:
        raise SystemExit(f"{path}: expected a .npy file or an IDX file of unsigned bytes")
    if limit:
        a = a[:limit]
    x = np.asarray(a, dtype=np.float32) * np.float32(scale)
    if not np.isfinite(x).all():
        raise SystemExit(f"{path}: holds NaN or infinite values")
    return x


class Objective(torch.nn.Module):
    """The model's training objective as a module's forward (what DDP wraps)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model.loss(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help=".npy or IDX (ubyte) file, one row per sample")
    p.add_argument("--weights", default=None, help="safetensors to start from (default: model.safetensors here)")
    p.add_argument("--out", default=None, help="where to write the trained weights (default: over --weights)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32, help="rows per global minibatch (split among processes)")
    p.add_argument("--lr", type=float, default=diabolo.DEFAULT_LEARNING_RATE)
    p.add_argument("--clip-norm", type=float, default=0.0, help="clip the global gradient norm (diabolo's gradientClipNorm)")
    p.add_argument("--limit", type=int, default=None, help="use only the first rows of the data")
    p.add_argument("--seed", type=int, default=1, help="seeds the minibatch order and each process's noise")
    p.add_argument("--threads", type=int, default=None, help="torch threads per process")
    p.add_argument("--backend", default="gloo", help="gloo (CPU) or nccl (GPU)")
    p.add_argument("--report", default=None, help="write the epochs' figures to this JSON file")
    args = p.parse_args()

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group(args.backend)
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}" if args.backend == "nccl" else "cpu")
    torch.manual_seed(args.seed * 1000 + rank)  # each process its own corruption / sampling noise

    weights = args.weights or os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.safetensors")
    out = args.out or weights
    model = diabolo.load(weights).to(device)
    x = torch.from_numpy(read_data(args.data, args.limit))
    inputs = model.encoder[0].in_features
    if x.shape[1] != inputs:
        raise SystemExit(f"{args.data}: rows of {x.shape[1]} values, the model takes {inputs}")
    rows = x.shape[0]
    # DistributedDataParallel synchronises gradients of what runs through its forward: the
    # objective, wrapped as a module (its parameters are the model's).
    objective = Objective(model)
    if distributed:
        ids = [device.index] if device.type == "cuda" else None
        net = torch.nn.parallel.DistributedDataParallel(objective, device_ids=ids)
    else:
        net = objective
    optimizer = diabolo.make_optimizer(model.parameters(), args.lr)
    order_rng = torch.Generator().manual_seed(args.seed)
    names = ["reconstruction", "sparsity", "contractive", "l2", "kl"]
    history = []
    model.train()
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        order = torch.randperm(rows, generator=order_rng)  # the same on every process
        sums = torch.zeros(len(names) + 2, dtype=torch.float64)  # k-weighted terms, total; samples
        for start in range(0, rows, args.batch_size):
            batch = order[start:start + args.batch_size]
            if len(batch) < world:
                continue
            share = batch.tensor_split(world)[rank]
            k = len(share)
            total, terms = net(x[share].to(device))
            # DDP averages the processes' gradients: weighting each loss by world × its share
            # of the minibatch makes that average the whole minibatch's gradient.
            optimizer.zero_grad(set_to_none=True)
            (total * (world * k / len(batch))).backward()
            if args.clip_norm > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_norm)
            optimizer.step()
            # diabolo's epoch figures are sample-weighted means of the minibatch terms; the
            # shares' k-weighted sums add up to them (l2 included: once per minibatch).
            for i, name in enumerate(names):
                sums[i] += terms[name].item() * k
            sums[len(names)] += total.item() * k
            sums[len(names) + 1] += k
        if distributed:
            dist.all_reduce(sums)
        n = float(sums[-1])
        record = {
            "epoch": epoch,
            "loss": float(sums[len(names)]) / n,
            "terms": {name: float(sums[i]) / n for i, name in enumerate(names)},
            "samples": int(n),
            "processes": world,
            "seconds": time.perf_counter() - started,
        }
        history.append(record)
        if rank == 0:
            print(json.dumps(record), flush=True)
    if rank == 0:
        diabolo.save(model, out, writer=f"PyTorch {torch.__version__} train.py, {world} process(es)")
        if args.report:
            with open(args.report, "w") as f:
                json.dump({"epochs": history, "out": out, "processes": world, "torch": torch.__version__}, f, indent=2)
        print(json.dumps({"saved": out}), flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
