#!/usr/bin/env python3
"""Start evcxr_jupyter in an evcxr folder that no running kernel uses.

    evcxr_kernel.py FOLDERS EVCXR_JUPYTER ARGS...

The book's kernel spec (written by `cargo xtask jupyter` and `notebooks-run`) starts every
Rust kernel through this script. evcxr keeps a kernel's crate and its compiled dependencies
in EVCXR_TMPDIR (`src/`, `target/`); two kernels in one folder would write their cells into
the same `src/lib.rs`. So each kernel takes the first folder `FOLDERS/kernel-K` whose
`.kernel-pid` names no running evcxr kernel, writes its own pid there, and becomes that
kernel (exec keeps the pid). Folders are kept: the next kernel takes the first free one,
with the book's crate already compiled in it, so its first cell takes seconds;
`cargo xtask jupyter` compiles the crate once, in `kernel-1`, before a reader opens a
notebook. A second notebook running at the same time gets `kernel-2` and compiles the crate
there on its first cell, once.

(The pid, not a lock held by the kernel: evcxr's own child processes would inherit a lock's
descriptor and could keep a folder taken after its kernel has exited.)
"""
import fcntl
import os
import sys


def running_kernel(pid):
    """Whether `pid` is a live evcxr kernel (or a launcher about to become one).

    A launcher releases the claim lock just before its exec, so the next launcher often looks
    at it mid-exec, when its cmdline reads empty: a live process with an empty cmdline counts
    as a kernel (a zombie, state Z, does not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
    except FileNotFoundError:
        if os.path.isdir("/proc"):
            return False
    except (OSError, IndexError):
        return False
    else:
        return state != b"Z" and (not cmdline or b"evcxr_jupyter" in cmdline)
    try:  # no /proc (macOS): any live process with that pid
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def claim(folders):
    """Take the first `folders/kernel-K` no running kernel holds; return its path."""
    os.makedirs(folders, exist_ok=True)
    with open(os.path.join(folders, ".claim.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two kernels starting at once choose one by one
        k = 1
        while True:
            folder = os.path.join(folders, f"kernel-{k}")
            pid_file = os.path.join(folder, ".kernel-pid")
            try:
                with open(pid_file) as f:
                    holder = int(f.read().strip() or 0)
            except (OSError, ValueError):
                holder = 0
            if holder <= 0 or not running_kernel(holder):
                os.makedirs(folder, exist_ok=True)
                with open(pid_file, "w") as f:
                    f.write(str(os.getpid()))
                return folder
            k += 1


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    folders, exe, args = argv[0], argv[1], argv[2:]
    os.environ["EVCXR_TMPDIR"] = claim(folders)
    os.execv(exe, [exe, *args])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
