"""Time minikeras' kernels against plain NumPy and PyTorch on the Keras MNIST CNN's shapes.

    python benchmarks/kernels.py            # batch 128, float32, 15 repeats per timing
    python benchmarks/kernels.py --quick    # a smoke run for CI: batch 8, 3 repeats
    python benchmarks/kernels.py -k conv2d  # only the cases whose name contains 'conv2d'

Cases come from the ``cases_*.py`` modules next to this file (``cases_conv.py``,
``cases_misc.py``, ``cases_layers.py``; a missing module is skipped). A case module exposes
``cases(batch=128)`` returning dicts with:

- ``name``: what is timed;
- ``minikeras``, ``numpy``, ``torch``: zero-argument callables running the operation once
  (``torch`` is None when PyTorch is not installed);
- ``bytes``: input plus output bytes for memory-bound kernels, else None;
- ``target``: the target ratio minikeras / PyTorch, or None.

Every time printed is a median over repeats (after one warm-up call), measured in the same
run for the three implementations, so that the ratios compare like with like; each
implementation is timed after half a second of idle, so that no library's spinning threads
slow down another's. PyTorch runs with 2 threads, the size of the machine the targets
were set on. For memory-bound kernels the last column is the time a 20 GB/s copy of the
same bytes would take. On a shared machine, run it when nothing else is running.
"""
import argparse
import importlib
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

CASE_MODULES = ("cases_conv", "cases_misc", "cases_layers", "cases_recurrent")
COPY_BANDWIDTH = 20e9  # bytes per second


def median_ms(function, repeats, settle):
    if function is None:
        return None
    # NumPy's BLAS, minikeras' OpenMP loops and PyTorch each keep a pool of threads that
    # spin for a while after a call. Timed right after another library's call, an
    # operation shares the two cores with those spinning threads (measured: 2x to 5x
    # slower, on both sides). So each implementation starts on idle cores.
    time.sleep(settle)
    function()  # warm-up: first-call allocations, thread pools, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def collect(batch, only):
    cases = []
    for name in CASE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            print(f"({name}.py not found: skipped)")
            continue
        cases += [c for c in module.cases(batch=batch) if not only or only in c["name"]]
    return cases


def fmt(value, spec=".2f", missing="-"):
    return missing if value is None else format(value, spec)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="batch 8, 3 repeats (CI smoke run)")
    parser.add_argument("--batch", type=int, default=None, help="batch size (default 128)")
    parser.add_argument("--repeats", type=int, default=None, help="timings per median (default 15)")
    parser.add_argument("-k", dest="only", default="", help="run the cases whose name contains this")
    args = parser.parse_args(argv)
    batch = args.batch or (8 if args.quick else 128)
    repeats = args.repeats or (3 if args.quick else 15)
    settle = 0.01 if args.quick else 0.5  # seconds of idle before each implementation

    try:
        import torch

        torch.set_num_threads(2)
        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    import numpy as np

    print(f"batch {batch}, float32, median of {repeats}; numpy {np.__version__}, torch {torch_version}")
    header = (f"{'case':58s} {'minikeras':>9s} {'numpy':>8s} {'torch':>8s} "
              f"{'/numpy':>7s} {'/torch':>7s} {'target':>7s} {'20GB/s':>7s}")
    print(header)
    print("-" * len(header))
    for case in collect(batch, args.only):
        ours = median_ms(case["minikeras"], repeats, settle)
        numpy_ms = median_ms(case["numpy"], repeats, settle)
        torch_ms = median_ms(case["torch"], repeats, settle)
        bound = None if case["bytes"] is None else 1e3 * case["bytes"] / COPY_BANDWIDTH
        to_torch = None if torch_ms is None else ours / torch_ms
        flag = ""
        if to_torch is not None and case["target"] is not None:
            flag = "  ok" if to_torch <= case["target"] else "  ABOVE TARGET"
        print(f"{case['name']:58s} {ours:9.2f} {numpy_ms:8.2f} {fmt(torch_ms):>8s} "
              f"{ours / numpy_ms:7.2f} {fmt(to_torch):>7s} {fmt(case['target'], '.1f'):>7s} "
              f"{fmt(bound):>7s}{flag}")


if __name__ == "__main__":
    main()
