#!/usr/bin/env python3
"""Execute notebooks on the evcxr Rust kernel and check every code cell.

    execute_notebooks.py NOTEBOOK...      run and check; exit 1 if any cell fails
    execute_notebooks.py --self-test DIR  prove that a wrong number, a panic and a compile
                                          error each fail (DIR holds evcxr.toml)
    execute_notebooks.py --check NOTEBOOK...  check notebooks already run elsewhere (the
                                          copies JupyterLab saved in the browser test)
    execute_notebooks.py --prebuild NOTEBOOK  run only its dependency cell: the crate is
                                          compiled before a reader opens JupyterLab

A code cell fails on any `error` output, on any stderr output, on stdout that differs from
`metadata.book.expected_stdout` (the text the book shows, written by the generator), on a
missing `metadata.book.expected_display` (a figure), and on a stray displayed value.

Each notebook gets its own kernel; $BOOK_NOTEBOOK_JOBS notebooks (default 2, one per core
here) run at the same time, each in a process of its own. The kernel spec starts every kernel
through evcxr_kernel.py, which gives it an evcxr folder no running kernel uses and that an
earlier kernel has compiled the book's crate in: two notebooks at a time need two folders,
and the crate is compiled once per folder, not once per notebook.
The kernel's working directory is the notebook's folder, so evcxr reads its evcxr.toml
(preserve_vars_on_panic = false: a panicking assert! must not pass as "ok").
"""
import concurrent.futures
import os
import queue
import shutil
import sys
import tempfile
import time

import nbformat
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete

CELL_TIMEOUT = int(os.environ.get("BOOK_CELL_TIMEOUT", "900"))
# How long a cell's output must stay quiet, after the kernel said idle, before the next cell
# runs (see SettlingClient).
SETTLE_SECONDS = float(os.environ.get("BOOK_SETTLE_SECONDS", "0.5"))


class SettlingClient(NotebookClient):
    """A NotebookClient that also takes a cell's output sent after the kernel's idle status.

    nbclient stops reading a cell's messages at the kernel's `idle` status. evcxr_jupyter
    0.22 forwards the program's stdout from a thread of its own that can lose the race
    with the reply on a loaded machine: the last line then comes after `idle`, and nbclient
    drops it (seen once in a clean-clone CI run: a cell that printed one line showed none). So after `idle`
    this client keeps reading until no message of the cell has come for SETTLE_SECONDS, and
    only then runs the next cell; a late line is kept, and counted in `late_outputs`. (It
    overrides nbclient's private poll method: nbclient is pinned in requirements-notebooks.txt.)
    It also waits as long as a cell may run for that idle status (nbclient's default is 4 s,
    after which it moves on without a word) and fails the notebook if it never comes."""

    late_outputs = 0

    def __init__(self, nb, **kw):
        super().__init__(nb, iopub_timeout=CELL_TIMEOUT, raise_on_iopub_timeout=True, **kw)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=SETTLE_SECONDS))
            except queue.Empty:  # quiet for SETTLE_SECONDS
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] in ("stream", "display_data", "execute_result", "error"):
                self.late_outputs += 1
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass


def check(nb, name):
    problems, checked = [], 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        book = cell.metadata.get("book", {})
        where = f"{name} cell {index} ({book.get('origin', '?')})"
        stdout = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
        stderr = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")
        errors = [o for o in cell.outputs if o.output_type == "error"]
        # evcxr sends EVCXR_BEGIN_CONTENT as an execute_result, Jupyter may say display_data.
        rich = [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]
        shown = [m for o in rich for m in o.get("data", {})]
        want = book.get("expected_display")
        stray = [m for m in shown if m != want]
        for e in errors:
            problems.append(f"{where}: error {e.get('ename', '')}: {e.get('evalue', '')}")
        if stderr:
            problems.append(f"{where}: wrote to stderr:\n{stderr}")
        expected = book.get("expected_stdout")
        if expected is not None and stdout != expected:
            problems.append(f"{where}: stdout differs\n--- expected\n{expected}--- printed\n{stdout}")
        if want and want not in shown:
            problems.append(f"{where}: shows no {want}")
        if stray:
            values = [str(o.get("data", {}).get(m, ""))[:80] for o in rich for m in o.get("data", {}) if m in stray]
            problems.append(f"{where}: displays a stray value: {values}")
        checked += 1
    return checked, problems


def run(path):
    """Execute one notebook; return (checked cells, problems, seconds)."""
    name = os.path.basename(path)
    nb = nbformat.read(path, as_version=4)
    client = SettlingClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="rust",
        allow_errors=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    start = time.monotonic()
    try:
        client.execute()
    except Exception as e:  # a dead kernel or a timeout fails the notebook, with its reason
        return 0, [f"{name}: execution stopped: {type(e).__name__}: {e}"], time.monotonic() - start
    checked, problems = check(nb, name)
    if client.late_outputs:
        print(f"{name}: {client.late_outputs} output(s) came after the kernel's idle status; kept")
    return checked, problems, time.monotonic() - start


def prebuild(path):
    """Compile the book's crate and its dependencies once, in the folder the next kernel takes.

    JupyterLab's kernels then start warm: the first cell takes seconds, not minutes. (Also,
    in JupyterLab 4.6 a Run All on a cold kernel ran the dependency cell and dropped the
    cells queued behind its minute-long compile; a warm build avoids that.)"""
    nb = nbformat.read(path, as_version=4)
    deps = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("book", {}).get("origin") == "dependencies"]
    nb.cells = deps[:1]
    client = SettlingClient(nb, timeout=CELL_TIMEOUT, kernel_name="rust", allow_errors=True,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    start = time.monotonic()
    client.execute()
    checked, problems = check(nb, os.path.basename(path))
    print(f"prebuilt the notebooks' crate in {time.monotonic() - start:.1f} s")
    for p in problems:
        print(f"  {p[:1500]}")
    return 1 if problems or not checked else 0


def code_cell(source, stdout):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["book"] = {"expected_stdout": stdout, "expected_display": None, "origin": "self-test"}
    return cell


BROKEN = {
    "wrong-number": ('println!("{:.2}", 0.6_f64.ln().abs());', "0.52\n", "stdout differs"),
    "panic": ('assert!(1 + 1 == 3, "a wrong number");', "", "stderr"),
    "compile-error": ('let x: i32 = "not a number";', "", "error"),
}


GOOD = {"good": ('println!("{:.2}", 0.6_f64.ln().abs());', "0.51\n", None)}


def settling_test():
    """A cell's last line sent after the kernel's idle status (what evcxr's output thread can
    do under load) is kept by SettlingClient; the replayed messages are those of a real cell."""
    import asyncio
    import queue

    class Channel:
        def __init__(self, messages):
            self.messages = list(messages)

        async def get_msg(self, timeout=None):
            if not self.messages:
                await asyncio.sleep(min(timeout or 0, 0.05))
                raise queue.Empty
            return self.messages.pop(0)

    def message(msg_type, content, parent="cell-1"):
        return {"msg_type": msg_type, "header": {"msg_type": msg_type, "msg_id": f"m-{msg_type}"},
                "parent_header": {"msg_id": parent}, "metadata": {}, "content": content}

    late = [
        message("status", {"execution_state": "busy"}),
        message("execute_input", {"code": 'println!("…");', "execution_count": 1}),
        message("status", {"execution_state": "idle"}),
        message("stream", {"name": "stdout", "text": "权重全为 2：mean = 0.671，sum = 8.048\n"}),
        message("stream", {"name": "stdout", "text": "another cell's line\n"}, parent="cell-0"),
    ]
    cell = nbformat.v4.new_code_cell('println!("…");')
    client = SettlingClient(nbformat.v4.new_notebook(cells=[cell]), record_timing=False)
    client.kc = type("KernelClient", (), {"iopub_channel": Channel(late)})()
    client.clear_before_next_output = False  # what async_execute_cell sets before polling
    asyncio.run(client._async_poll_output_msg("cell-1", cell, 0))
    stdout = "".join(o.get("text", "") for o in cell.outputs)
    if stdout != "权重全为 2：mean = 0.671，sum = 8.048\n" or client.late_outputs != 1:
        return [f"settling: a line sent after idle was not kept as the cell's only output: {stdout!r}"]
    print("self-test settling: a line sent after the idle status is kept ... ok")
    return []


def folders_test():
    """evcxr_kernel.claim gives a kernel the first folder no live kernel holds."""
    import subprocess

    import evcxr_kernel

    with tempfile.TemporaryDirectory() as d:
        first = evcxr_kernel.claim(d)
        again = evcxr_kernel.claim(d)  # this process is no kernel: kernel-1 is free again
        kernel = subprocess.Popen(["bash", "-c", "exec -a evcxr_jupyter sleep 60"])
        try:
            time.sleep(0.2)
            with open(os.path.join(first, ".kernel-pid"), "w") as f:
                f.write(str(kernel.pid))
            while_held = evcxr_kernel.claim(d)
        finally:
            kernel.kill()
            kernel.wait()
        after = evcxr_kernel.claim(d)
        got = [os.path.basename(p) for p in (first, again, while_held, after)]
    if got != ["kernel-1", "kernel-1", "kernel-2", "kernel-1"]:
        return [f"folders: a kernel's folder was given out wrongly: {got}"]
    print("self-test folders: a running kernel's folder is not given to another ... ok")
    return []


def self_test(evcxr_toml_dir):
    """Each broken notebook must fail, for its own reason; each good one must pass."""
    failures = settling_test() + folders_test()
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(os.path.join(evcxr_toml_dir, "evcxr.toml"), d)
        cases = dict(BROKEN, **GOOD)
        for name, (source, stdout, reason) in cases.items():
            nb = nbformat.v4.new_notebook()
            nb.metadata["kernelspec"] = {"name": "rust", "display_name": "Rust", "language": "rust"}
            nb.cells = [code_cell(source, stdout)]
            path = os.path.join(d, f"{name}.ipynb")
            nbformat.write(nb, path)
            checked, problems, seconds = run(path)
            caught = any(reason in p for p in problems) if reason else not problems
            verdict = "ok" if caught else "WRONG"
            print(f"self-test {name}: {'passes' if not problems else 'fails'} ({seconds:.1f} s) ... {verdict}")
            if not caught:
                failures.append(f"{name}: expected {'failure with ' + reason if reason else 'success'}, got {problems}")
    return failures


def main(argv):
    if argv[:1] == ["--self-test"]:
        failures = self_test(argv[1])
        for f in failures:
            print(f)
        print(f"{len(BROKEN) + len(GOOD) + 2 - len(failures)} passed, {len(failures)} failed")
        return 1 if failures else 0
    if argv[:1] == ["--prebuild"]:
        return prebuild(argv[1])
    if argv[:1] == ["--check"]:
        problems = []
        for path in argv[1:]:
            checked, found = check(nbformat.read(path, as_version=4), os.path.basename(path))
            print(f"notebook {os.path.basename(path)}: {checked} code cells checked ... {'ok' if not found else 'FAILED'}")
            problems += found
        for p in problems:
            print(f"  {p[:1500]}")
        return 1 if problems else 0
    total, all_problems, started = 0, [], time.monotonic()
    jobs = int(os.environ.get("BOOK_NOTEBOOK_JOBS", "2"))
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(run, argv))
    for path, (checked, problems, seconds) in zip(argv, results):
        print(f"notebook {os.path.basename(path)}: {checked} code cells checked in {seconds:.1f} s ... {'ok' if not problems else 'FAILED'}")
        for p in problems:
            print(f"  {p[:1500]}")
        total += checked
        all_problems += problems
    print(f"notebooks: {total} checked cell outputs, {len(all_problems)} problems, {time.monotonic() - started:.1f} s")
    print(f"{len(argv) - len({p.split(' ')[0] for p in all_problems})} passed, {len({p.split(' ')[0] for p in all_problems})} failed")
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
