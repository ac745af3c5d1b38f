"""Time whole training steps of the MNIST models in minikeras and PyTorch, side by side.

    python benchmarks/mnist.py                  # the full table (a few minutes)
    python benchmarks/mnist.py --quick          # a smoke run for CI: random data, seconds
    python benchmarks/mnist.py --profile cnn    # cProfile of 20 minikeras steps of one model

What is measured, for the Keras MNIST CNN and a LeNet-5-like model (batch 128, float32, Adam,
one step = ``model.train_on_batch``):

- ms per training step and seconds per 60,000-sample epoch (469 steps);
- ``predict`` of the CNN in samples per second (batch 1000);
- the peak resident memory of a full ``fit`` of the CNN on 24,000 images (one epoch), in a
  child process so that the figure is the fit's own (not this process' PyTorch);
- achieved GFLOP/s of a training step (the multiply-adds of every convolution and dense
  layer, forward and backward, counted twice) beside the machine's sgemm rate, measured here
  on a 2048 x 2048 float32 product;
- when PyTorch is installed, the same models and loop in PyTorch (2 threads, NCHW, eager),
  and the ratios minikeras / PyTorch. PyTorch runs in a worker process of its own (see
  ``TorchWorker``): two OpenMP runtimes in one process slow each other down.

Every figure is a median. The two frameworks alternate: ``--repeats`` rounds, each of which
times ``--steps`` steps of minikeras and then of PyTorch (in its process, while this one
waits), each after half a second of idle (the thread pools of NumPy's BLAS, minikeras'
OpenMP loops and PyTorch spin for a while after a call, and would otherwise steal the cores
from the other framework). On a shared machine,
compare ratios from one run, not times from different runs. MNIST comes from
``minikeras.datasets.mnist.load_data`` when it is found; otherwise (and with ``--quick``)
random images of the same shape are used, which take the same time per step.
"""
import argparse
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

BATCH = 128
PREDICT_BATCH = 1000
EPOCH_SAMPLES = 60000


# --------------------------------------------------------------------------------------
# Data and models
# --------------------------------------------------------------------------------------

def load_mnist(n_train, n_test, use_random):
    """Float32 images (n, 28, 28, 1) in [0, 1] and integer labels; random ones if asked or missing."""
    if not use_random:
        try:
            from minikeras.datasets import mnist

            (x, y), (xt, yt) = mnist.load_data()
            if len(x) >= n_train and len(xt) >= n_test:
                prep = lambda a: (a.reshape(-1, 28, 28, 1) / np.float32(255)).astype(np.float32)
                return prep(x[:n_train]), y[:n_train].astype(np.int64), prep(xt[:n_test]), "MNIST"
        except (FileNotFoundError, ValueError, OSError):
            pass
    rng = np.random.default_rng(0)
    x = rng.random((n_train, 28, 28, 1), dtype=np.float32)
    xt = rng.random((n_test, 28, 28, 1), dtype=np.float32)
    return x, rng.integers(0, 10, n_train), xt, "random images"


def minikeras_model(name):
    from minikeras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
    from minikeras.models import Sequential

    if name == "cnn":
        layers = [Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
                  Conv2D(64, (3, 3), activation="relu"), MaxPooling2D((2, 2)), Dropout(0.25),
                  Flatten(), Dense(128, activation="relu"), Dropout(0.5),
                  Dense(10, activation="softmax")]
    else:
        layers = [Conv2D(6, (5, 5), padding="same", activation="relu", input_shape=(28, 28, 1)),
                  MaxPooling2D((2, 2)), Conv2D(16, (5, 5), activation="relu"), MaxPooling2D((2, 2)),
                  Flatten(), Dense(120, activation="relu"), Dense(84, activation="relu"),
                  Dense(10, activation="softmax")]
    model = Sequential(layers)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def torch_model(name):
    import torch
    from torch import nn

    torch.manual_seed(0)
    if name == "cnn":
        layers = [nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                  nn.Linear(128, 10)]
    else:
        layers = [nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                  nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                  nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)]
    model = nn.Sequential(*layers)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def training_flops_per_sample(model):
    """Multiply-adds x 2 of the conv and dense layers: forward, plus both backward products
    (input and kernel gradients), except the first layer's input gradient, which is not needed."""
    forward, first = [], None
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            out = layer.output_shape if hasattr(layer, "output_shape") else None
            oh, ow, c_out = out[1:]
            kh, kw, c_in, _ = layer.kernel.shape
            forward.append(2 * oh * ow * c_out * kh * kw * c_in)
        elif kind == "Dense":
            forward.append(2 * layer.kernel.shape[0] * layer.kernel.shape[1])
        else:
            continue
        first = forward[0] if first is None else first
    return 3 * sum(forward) - first


# --------------------------------------------------------------------------------------
# One step of each framework
# --------------------------------------------------------------------------------------

class MinikerasTrainer:
    def __init__(self, name, x, labels, batch):
        self.model = minikeras_model(name)
        self.x, self.y, self.batch = x, np.eye(10, dtype=np.float32)[labels], batch
        self.i = 0

    def step(self):
        b = self.batch
        start = self.i * b % (len(self.x) - b + 1)
        self.i += 1
        return self.model.train_on_batch(self.x[start:start + b], self.y[start:start + b])

    def predict(self, x):
        return self.model.predict(x, batch_size=PREDICT_BATCH)


class TorchTrainer:
    def __init__(self, name, x, labels, batch):
        import torch

        self.torch = torch
        self.model, self.optimizer = torch_model(name)
        self.x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        self.y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
        self.batch, self.i = batch, 0

    def step(self):
        b, torch = self.batch, self.torch
        start = self.i * b % (len(self.x) - b + 1)
        self.i += 1
        self.model.train()
        self.optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(self.model(self.x[start:start + b]),
                                                 self.y[start:start + b])
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def predict(self, x):
        torch = self.torch
        self.model.eval()
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        with torch.inference_mode():
            return torch.cat([torch.softmax(self.model(xt[i:i + PREDICT_BATCH]), dim=1)
                              for i in range(0, len(xt), PREDICT_BATCH)]).numpy()


def timed_calls(function, calls):
    """Seconds of each of ``calls`` calls of ``function``, after one warm-up call."""
    function()  # warm-up after the idle
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def alternate(rounds, repeats, calls, settle):
    """Median seconds of one call for each framework; rounds alternate between them.

    ``rounds[name](calls)`` runs one round and returns its ``calls`` times (in this process,
    or in the PyTorch worker process).
    """
    times = {name: [] for name in rounds}
    for _ in range(repeats):
        for name, run_round in rounds.items():
            time.sleep(settle)
            times[name] += run_round(calls)
    return {name: statistics.median(t) for name, t in times.items()}


class TorchWorker:
    """PyTorch in a process of its own, driven round by round over a pipe.

    Why not in this process: both frameworks run OpenMP thread pools, each with its own
    runtime and its own idea of how long idle threads spin. Side by side in one process on 2
    cores (measured 2026-12-02, quiet machine), each slowed the other: minikeras' CNN step
    took 250 ms beside PyTorch and 164 ms alone; with minikeras' passive waiting imposed on
    both, PyTorch's LeNet step went from 10.8 to 16.9 ms. In separate processes each runs as
    it would alone on a laptop, and the rounds still alternate, so both see the same machine.
    """

    def __init__(self, n_train, n_test, use_random, threads, batch):
        command = [sys.executable, os.path.abspath(__file__), "--torch-worker",
                   json.dumps([n_train, n_test, use_random, threads, batch])]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.version, self.threads = self.ask("hello")

    def ask(self, *request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the PyTorch worker stopped (exit code {self.process.wait()})")
        return json.loads(line)

    def round(self, what, name):
        return lambda calls: self.ask(what, name, calls)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def torch_worker(spec):
    """Run in the worker: answer ``[what, model name, calls]`` with the times of a round."""
    import torch

    n_train, n_test, use_random, threads, batch = json.loads(spec)
    answers, sys.stdout = sys.stdout, sys.stderr  # the pipe carries answers only
    torch.set_num_threads(threads)
    x, labels, x_test, _ = load_mnist(n_train, n_test, use_random)
    trainers = {}
    for line in sys.stdin:
        what, *rest = json.loads(line)
        if what == "hello":
            answer = [torch.__version__, torch.get_num_threads()]
        else:
            name, calls = rest
            trainer = trainers.get(name) or trainers.setdefault(name, TorchTrainer(name, x, labels, batch))
            function = trainer.step if what == "step" else (lambda: trainer.predict(x_test))
            answer = timed_calls(function, calls)
        print(json.dumps(answer), file=answers, flush=True)


def sgemm_gflops(n, repeats):
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    b = a.T.copy()
    out = np.empty_like(a)
    np.matmul(a, b, out=out)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - start)
    return 2 * n ** 3 / statistics.median(times) / 1e9


# --------------------------------------------------------------------------------------
# Peak memory of a fit, in a child process
# --------------------------------------------------------------------------------------

def resident_mb(field):
    """VmRSS (now) or VmHWM (the peak) of this process in MB, from /proc/self/status (Linux).

    Not ``getrusage``: on Linux a child's ``ru_maxrss`` starts from its parent's resident size
    at the fork (kept across ``exec``), so a parent holding PyTorch would be counted.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise OSError(f"no {field} in /proc/self/status")


def fit_child(n_samples, use_random):
    """Run in the child: fit the CNN for one epoch on ``n_samples`` images; print RSS before, peak."""
    x, labels, _, _ = load_mnist(n_samples, 0, use_random)
    model = minikeras_model("cnn")
    y = np.eye(10, dtype=np.float32)[labels]
    before = resident_mb("VmRSS")
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    print(before, resident_mb("VmHWM"))


def fit_peak_memory(n_samples, use_random):
    """(peak resident MB of the child that fits, its resident MB just before ``fit``)."""
    command = [sys.executable, os.path.abspath(__file__), "--fit-child", str(n_samples)]
    if use_random:
        command.append("--random")
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    before, peak = map(float, result.stdout.split()[-2:])
    return peak, before


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------

def machine_description(worker):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = "threadpoolctl not installed"
    try:
        import threadpoolctl

        blas = "; ".join(
            f"{i['internal_api']} {i.get('version')} kernel {i.get('architecture')} "
            f"{i['num_threads']} threads" for i in threadpoolctl.threadpool_info()
            if i["user_api"] == "blas")
    except ImportError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, NumPy {np.__version__}, "
            f"PyTorch {f'{worker.version} ({worker.threads} threads, in its own process)' if worker else 'not timed'}; "
            f"BLAS: {blas}")


def profile(name, x, labels, steps=20):
    import cProfile
    import pstats

    trainer = MinikerasTrainer(name, x, labels, BATCH)
    trainer.step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        trainer.step()
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"cProfile of {steps} steps of the {name} (batch {BATCH}); times in s for all steps")
    stats.sort_stats("tottime").print_stats(25)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="random data, batch 16, few steps, a fit of 512 images (CI smoke run)")
    parser.add_argument("--repeats", type=int, default=None, help="rounds per figure (default 5)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per round (default 10)")
    parser.add_argument("--no-torch", action="store_true", help="time minikeras alone")
    parser.add_argument("--no-memory", action="store_true", help="skip the fit in a child process")
    parser.add_argument("--random", action="store_true", help="random images instead of MNIST")
    parser.add_argument("--models", default="cnn,lenet", help="which models to time (default cnn,lenet)")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads of both frameworks (default 2; other values need threadpoolctl "
                             "for NumPy's BLAS and minikeras' OpenMP loops)")
    parser.add_argument("--profile", choices=("cnn", "lenet"), help="cProfile 20 steps and stop")
    parser.add_argument("--fit-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--torch-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.torch_worker:
        return torch_worker(args.torch_worker)
    use_random = args.random or args.quick
    if args.fit_child:
        return fit_child(args.fit_child, use_random)

    if args.threads != 2:
        import threadpoolctl

        import minikeras  # noqa: F401  (its OpenMP runtime must be loaded to be limited)

        threadpoolctl.threadpool_limits(args.threads)
    batch = 16 if args.quick else BATCH
    repeats = args.repeats or (1 if args.quick else 5)
    steps = args.steps or (2 if args.quick else 10)
    settle = 0.01 if args.quick else 0.5
    n_predict = 2 * PREDICT_BATCH if args.quick else 10 * PREDICT_BATCH
    fit_samples = 512 if args.quick else 24000

    n_train = 4096 if args.quick else 24000
    x, labels, x_test, source = load_mnist(n_train, n_predict, use_random)
    if args.profile:
        return profile(args.profile, x, labels)
    worker = None
    if not args.no_torch and importlib.util.find_spec("torch") is not None:
        worker = TorchWorker(n_train, n_predict, source != "MNIST", args.threads, batch)
    print(machine_description(worker))
    print(f"{source}; batch {batch}, float32, Adam; medians of {repeats} rounds x {steps} steps, "
          "the frameworks alternating")
    sgemm = sgemm_gflops(256 if args.quick else 2048, 3 if args.quick else 15)
    print(f"sgemm (NumPy float32 matmul, {args.threads} threads): {sgemm:.0f} GFLOP/s", flush=True)

    rows = []
    predict = None
    for name in args.models.split(","):
        trainer = MinikerasTrainer(name, x, labels, batch)
        rounds = {"minikeras": lambda calls: timed_calls(trainer.step, calls)}
        if worker is not None:
            rounds["torch"] = worker.round("step", name)
        t = alternate(rounds, repeats, steps, settle)
        flops = training_flops_per_sample(trainer.model) * batch
        rows.append((f"{name} training step", t, flops))
        print(f"  ({name}: " + ", ".join(f"{k} {1e3 * v:.1f} ms" for k, v in t.items()) + ")", flush=True)
        if name == "cnn":
            rounds = {"minikeras": lambda calls: timed_calls(lambda: trainer.predict(x_test), calls)}
            if worker is not None:
                rounds["torch"] = worker.round("predict", name)
            p = alternate(rounds, repeats, 1 if args.quick else 2, settle)
            predict = {k: n_predict / s for k, s in p.items()}

    print()
    print(f"{'figure':32s} {'minikeras':>10s} {'PyTorch':>10s} {'ratio':>7s}")
    column = lambda value, spec: format(value, spec) if value is not None else "-"
    steps_per_epoch = math.ceil(EPOCH_SAMPLES / batch)
    for label, t, flops in rows:
        mk, pt = t["minikeras"], t.get("torch")
        print(f"{label + ' (ms)':32s} {1e3 * mk:10.1f} {column(pt and 1e3 * pt, '.1f'):>10s} "
              f"{column(pt and mk / pt, '.2f'):>7s}")
        print(f"{'  s per 60,000-sample epoch':32s} {mk * steps_per_epoch:10.1f} "
              f"{column(pt and pt * steps_per_epoch, '.1f'):>10s}")
        rate = lambda s: f"{flops / s / 1e9:.1f} ({100 * flops / s / 1e9 / sgemm:.0f}%)"
        print(f"{'  GFLOP/s (% of sgemm)':32s} {rate(mk):>10s} {column(pt and rate(pt), 's'):>10s}")
    if predict:
        mk, pt = predict["minikeras"], predict.get("torch")
        print(f"{'cnn predict (samples/s)':32s} {mk:10.0f} {column(pt, '.0f'):>10s} "
              f"{column(pt and mk / pt, '.2f'):>7s}")
    if worker is not None:
        worker.close()
    if not args.no_memory:
        peak, before = fit_peak_memory(fit_samples, use_random)
        print(f"peak RSS of a 1-epoch fit of the cnn on {fit_samples} images: {peak:.0f} MB "
              f"({before:.0f} MB before fit: interpreter, NumPy, minikeras and the data)")


if __name__ == "__main__":
    main()
