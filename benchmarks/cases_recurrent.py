"""Benchmark cases of the recurrent layers: LSTM(128) and GRU(128) over MNIST rows.

Batch 128, 28 steps of 28 features (an MNIST image read row by row), float32, forward and
backward (gradients of the input and every weight for a random upstream gradient of the
last output). minikeras runs its layer (the sequence ops of ``ops/recurrent.py`` over the
compiled loops of ``_kernels/recurrent.pyx``); the "numpy" column is the same layer on the
Python twins (``kernels.use("reference")``: NumPy one step at a time); PyTorch runs
``torch.nn.LSTM`` / ``torch.nn.GRU`` (batch_first). Both use the logistic sigmoid for the
gates (minikeras' Keras 2 default is hard_sigmoid, which is cheaper; it would flatter us).
PyTorch's GRU is the reset_after variant, so minikeras' GRU uses ``reset_after=True``.

``python benchmarks/kernels.py -k LSTM`` runs these among the other cases. Run as a script,
this module times minikeras and PyTorch alternately (one call of each per round, medians
over the rounds), which holds up better on a busy shared machine:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/cases_recurrent.py [--rounds 30]
"""
import argparse
import statistics
import time

import numpy as np

from minikeras import GradientTape, Tensor, kernels, layers

try:
    import torch
except ImportError:
    torch = None

TIMESTEPS, FEATURES, UNITS = 28, 28, 128


def _minikeras_step(layer_name, batch, seed=0, backend="cython"):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((batch, TIMESTEPS, FEATURES)).astype(np.float32))
    upstream = Tensor(rng.standard_normal((batch, UNITS)).astype(np.float32))
    extra = {"reset_after": True} if layer_name == "GRU" else {}
    layer = getattr(layers, layer_name)(UNITS, recurrent_activation="sigmoid", **extra)
    layer(x)

    def run():
        with kernels.use(backend):
            with GradientTape() as tape:
                tape.watch(x)
                y = layer(x)
            return tape.gradient(y, [x] + layer.trainable_weights, output_gradients=upstream)

    return run


def _torch_step(layer_name, batch, seed=0):
    if torch is None:
        return None
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.standard_normal((batch, TIMESTEPS, FEATURES)).astype(np.float32))
    x.requires_grad_(True)
    upstream = torch.from_numpy(rng.standard_normal((batch, UNITS)).astype(np.float32))
    module = getattr(torch.nn, layer_name)(FEATURES, UNITS, batch_first=True)

    def run():
        module.zero_grad()
        x.grad = None
        y, _ = module(x)
        y[:, -1].backward(upstream)

    return run


def cases(batch=128):
    rows = []
    for name in ("LSTM", "GRU"):
        rows.append({
            "name": f"{name}({UNITS}) over MNIST rows ({TIMESTEPS}x{FEATURES}): fwd + bwd",
            "minikeras": _minikeras_step(name, batch),
            "numpy": _minikeras_step(name, batch, backend="reference"),
            "torch": _torch_step(name, batch),
            "bytes": None,
            "target": 1.5,
        })
    return rows


def alternating(rounds, batch):
    """Median times of minikeras and PyTorch, timed alternately, and their ratio."""
    results = {}
    for name in ("LSTM", "GRU"):
        ours, theirs = _minikeras_step(name, batch), _torch_step(name, batch)
        ours(), theirs()  # warm-up
        times = {"minikeras": [], "torch": []}
        for _ in range(rounds):
            for label, function in (("minikeras", ours), ("torch", theirs)):
                start = time.perf_counter()
                function()
                times[label].append(time.perf_counter() - start)
        m, t = (1e3 * statistics.median(times[k]) for k in ("minikeras", "torch"))
        results[name] = (m, t, m / t)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="LSTM/GRU(128) against PyTorch, alternating.")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    torch.set_num_threads(2)
    print(f"batch {args.batch}, float32, median of {args.rounds} alternating rounds; "
          f"numpy {np.__version__}, torch {torch.__version__}")
    for name, (m, t, ratio) in alternating(args.rounds, args.batch).items():
        verdict = "ok" if ratio <= 1.5 else "ABOVE TARGET"
        print(f"{name}({UNITS}) fwd+bwd: minikeras {m:7.2f} ms  torch {t:7.2f} ms  "
              f"ratio {ratio:5.2f}  (target <= 1.5: {verdict})")
