"""PyTorch's side of `cargo xtask bench`: one measurement "cell" per process, as the Rust
worker (`bench/peers`) does, so that each cell's memory and pages are its own.

* ``cell --n N --c C --threads T --iters K``: logits ``[N, C]`` (uniform in [-4, 4)) and
  targets ``[N]``; ``F.cross_entropy`` forward (no autograd) and forward+backward (a fresh
  gradient each call, as in a training step), each with one warm-up call right before K
  timed calls.
* ``linear --impl unfused|chunked --n N --h H --c C --threads T --reps K``: fused linear
  cross-entropy, forward and backward: ``unfused`` is ``cross_entropy(h @ W.T, y)``,
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


def cell(args):
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(7)
    logits = torch.rand(args.n, args.c, generator=gen) * 8 - 4
    targets = torch.randint(0, args.c, (args.n,), generator=gen)

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
    gen = torch.Generator().manual_seed(11)
    h = (torch.randn(args.n, args.h, generator=gen) * 0.5).requires_grad_()
    w = (torch.randn(args.c, args.h, generator=gen) * 0.05).requires_grad_()
    y = torch.randint(0, args.c, (args.n,), generator=gen)
    options = torch.nn.LinearCrossEntropyOptions() if args.impl == "chunked" else None

    def step():
        if args.impl == "unfused":
            loss = F.cross_entropy(h @ w.T, y)
        else:
            loss = F.linear_cross_entropy(h, w, y, options=options)
        loss.backward()
        value = loss.item()
        h.grad = None
        w.grad = None
        return value

    losses = []
    result = measure(args.reps, lambda: losses.append(step()))
    print(json.dumps({**result, "loss": losses[-1], "threads": torch.get_num_threads(), **versions()}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("cell")
    c.add_argument("--n", type=int, required=True)
    c.add_argument("--c", type=int, required=True)
    c.add_argument("--threads", type=int, required=True)
    c.add_argument("--iters", type=int, required=True)
    lin = sub.add_parser("linear")
    lin.add_argument("--impl", choices=["unfused", "chunked"], required=True)
    lin.add_argument("--threads", type=int, required=True)
    lin.add_argument("--n", type=int, required=True)
    lin.add_argument("--h", type=int, required=True)
    lin.add_argument("--c", type=int, required=True)
    lin.add_argument("--reps", type=int, required=True)
    args = parser.parse_args()
    if args.mode == "cell":
        cell(args)
    else:
        linear(args)


if __name__ == "__main__":
    main()
