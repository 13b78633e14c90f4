"""PyTorch's side of `cargo xtask bench`.

Two modes, both driven by the xtask (never run by hand in CI):

* ``serve``: a long-lived worker. It reads one JSON command a line on stdin and answers
  one JSON line on stdout, so that the xtask can alternate it with our worker and candle's
  in one run:
  ``{"cmd": "shape", "n": N, "c": C}`` makes logits ``[N, C]`` (uniform in [-4, 4)) and
  targets ``[N]``; ``{"cmd": "time", "op": "forward" | "forward_backward",
  "threads": T, "iters": K}`` runs the op once to warm up, then K times, and answers the
  seconds per call. Whether torch uses huge pages is fixed by ``THP_MEM_ALLOC_ENABLE`` in
  this process's environment, which the xtask sets.
* ``linear``: one fused-linear measurement in a fresh process (so its peak memory is its
  own): ``--impl unfused`` is ``cross_entropy(h @ W.T, y)``, ``--impl chunked`` is
  ``F.linear_cross_entropy(..., options=LinearCrossEntropyOptions())``; forward and
  backward, timed, with the peak resident memory above what the inputs already hold.
"""

import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F


def versions():
    return {
        "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "thp_mem_alloc": __import__("os").environ.get("THP_MEM_ALLOC_ENABLE", "0"),
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


def serve():
    logits = targets = None
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "versions":
            answer = versions()
        elif cmd["cmd"] == "shape":
            logits = targets = None
            gen = torch.Generator().manual_seed(7)
            logits = torch.rand(cmd["n"], cmd["c"], generator=gen) * 8 - 4
            targets = torch.randint(0, cmd["c"], (cmd["n"],), generator=gen)
            answer = {"ok": True}
        elif cmd["cmd"] == "time":
            torch.set_num_threads(cmd["threads"])
            op = cmd["op"]
            if op == "forward":
                def run():
                    with torch.no_grad():
                        F.cross_entropy(logits, targets)
            elif op == "forward_backward":
                x = logits.detach().requires_grad_()

                def run():
                    F.cross_entropy(x, targets).backward()
                    x.grad = None  # a fresh gradient each call, as in a training step
            else:
                raise ValueError(f"unknown op {op}")
            run()  # warm up right before the timed calls
            start = time.perf_counter()
            for _ in range(cmd["iters"]):
                run()
            answer = {"seconds": (time.perf_counter() - start) / cmd["iters"]}
        elif cmd["cmd"] == "quit":
            return
        else:
            raise ValueError(f"unknown command {cmd}")
        print(json.dumps(answer), flush=True)


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

    step()  # warm up
    seconds, peaks, losses = [], [], []
    for _ in range(args.reps):
        reset_peak()
        before = status_kib("VmRSS")
        start = time.perf_counter()
        losses.append(step())
        seconds.append(time.perf_counter() - start)
        peaks.append((status_kib("VmHWM") - before) * 1024)
    print(json.dumps({"seconds": seconds, "peak_bytes": peaks, "loss": losses[-1], **versions()}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("serve")
    lin = sub.add_parser("linear")
    lin.add_argument("--impl", choices=["unfused", "chunked"], required=True)
    lin.add_argument("--threads", type=int, required=True)
    lin.add_argument("--n", type=int, required=True)
    lin.add_argument("--h", type=int, required=True)
    lin.add_argument("--c", type=int, required=True)
    lin.add_argument("--reps", type=int, required=True)
    args = parser.parse_args()
    if args.mode == "serve":
        serve()
    else:
        linear(args)


if __name__ == "__main__":
    main()
