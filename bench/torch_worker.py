"""PyTorch's side of `cargo xtask bench`: one measurement "cell" per process, as the Rust
worker (`bench/peers`) does, so that each cell's memory and pages are its own.

* ``cell --n N --c C --threads T --iters K --inputs P``: logits ``[N, C]`` and targets
  ``[N]``, read from the files ``P.logits`` and ``P.targets`` that the Rust worker wrote
  (``bench-peers inputs``), so that both sides compute on the very same numbers; ``F.cross_entropy`` forward (no autograd) and forward+backward (a fresh
  gradient each call, as in a training step), each with one warm-up call right before K
  timed calls.
* ``linear --impl unfused|chunked --n N --h H --c C --threads T --reps K --inputs P``: fused
  linear cross-entropy on the Rust worker's ``P.hidden``, ``P.weight`` and ``P.targets``,
  forward and backward: ``unfused`` is ``cross_entropy(h @ W.T, y)``,
  ``chunked`` is ``F.linear_cross_entropy(..., options=LinearCrossEntropyOptions())``.

Each timed call also records the peak resident memory it added: VmHWM after the call minus
VmRSS before it (writing 5 to /proc/self/clear_refs resets VmHWM). Whether torch asks for
huge pages is fixed by ``THP_MEM_ALLOC_ENABLE`` in this process's environment, which the
xtask sets. One JSON line goes to stdout.
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F


def versions():
    return {
        "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "thp_mem_alloc": os.environ.get("THP_MEM_ALLOC_ENABLE", "0"),
    }


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/self/status")


def reset_peak():
    # Writing 5 to clear_refs resets VmHWM (the peak resident set) to the current RSS.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def measure(iters, call):
    call()  # warm up right before the timed calls
    seconds, peaks = [], []
    for _ in range(iters):
        reset_peak()
        before = status_kib("VmRSS")
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
        peaks.append((status_kib("VmHWM") - before) * 1024)
    return {"seconds": seconds, "peak_bytes": peaks}


def read(path, shape, dtype):
    """A tensor from the raw little-endian file the Rust worker wrote (`inputs`)."""
    count = 1
    for d in shape:
        count *= d
    return torch.from_file(path, shared=False, size=count, dtype=dtype).reshape(shape).clone()


def cell(args):
    torch.set_num_threads(args.threads)
    # The very logits and targets the Rust side computes on.
    logits = read(args.inputs + ".logits", (args.n, args.c), torch.float32)
    targets = read(args.inputs + ".targets", (args.n,), torch.int64)

    def forward():
        with torch.no_grad():
            F.cross_entropy(logits, targets).item()

    x = logits.detach().requires_grad_()

    def forward_backward():
        F.cross_entropy(x, targets).backward()
        x.grad = None  # a fresh gradient each call, as in a training step

    out = {
        "forward": measure(args.iters, forward),
        "forward_backward": measure(args.iters, forward_backward),
        "threads": torch.get_num_threads(),
        **versions(),
    }
    print(json.dumps(out))


def linear(args):
    torch.set_num_threads(args.threads)
    h = read(args.inputs + ".hidden", (args.n, args.h), torch.float32).requires_grad_()
    w = read(args.inputs + ".weight", (args.c, args.h), torch.float32).requires_grad_()
    y = read(args.inputs + ".targets", (args.n,), torch.int64)
    options = torch.nn.LinearCrossEntropyOptions() if args.impl == "chunked" else None

    def step():
        if args.impl == "unfused":
            loss = F.cross_entropy(h @ w.T, y)
        else:
            loss = F.linear_cross_entropy(h, w, y, options=options)
        loss.backward()
        value = loss.item()
        norms = [h.grad.double().norm().item(), w.grad.double().norm().item()]
        h.grad = None
        w.grad = None
        return value, norms

    losses = []
    result = measure(args.reps, lambda: losses.append(step()))
    loss, norms = losses[-1]
    print(json.dumps({**result, "loss": loss, "grad_norm": norms, "threads": torch.get_num_threads(), **versions()}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("cell")
    c.add_argument("--n", type=int, required=True)
    c.add_argument("--c", type=int, required=True)
    c.add_argument("--threads", type=int, required=True)
    c.add_argument("--iters", type=int, required=True)
    c.add_argument("--inputs", required=True, help="the prefix of the Rust worker's input files")
    lin = sub.add_parser("linear")
    lin.add_argument("--impl", choices=["unfused", "chunked"], required=True)
    lin.add_argument("--threads", type=int, required=True)
    lin.add_argument("--n", type=int, required=True)
    lin.add_argument("--h", type=int, required=True)
    lin.add_argument("--c", type=int, required=True)
    lin.add_argument("--reps", type=int, required=True)
    lin.add_argument("--inputs", required=True, help="the prefix of the Rust worker's input files")
    args = parser.parse_args()
    if args.mode == "cell":
        cell(args)
    else:
        linear(args)


if __name__ == "__main__":
    main()
