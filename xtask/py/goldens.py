"""PyTorch's own cross-entropy test inputs, with the results torch computes for them.

Run by `cargo xtask goldens` in the bench's venv (target/bench/venv, torch pinned in
xtask/py/requirements-bench.txt); writes listings/tests/golden/pytorch-test-suite.json.gz
in the schema of ../shared/golden/pytorch-cross-entropy.json ("ce-golden/1"), extended by
`source`, `target_shape`, `target_dtype` and, for probability targets, `target_grad`.

Sources, all seeded (torch.manual_seed / random.seed before each):
- "opinfo": the OpInfo `nn.functional.cross_entropy` of
  torch.testing._internal.common_methods_invocations.op_db (sample_inputs_cross_entropy);
- "module": the ModuleInfo of nn.CrossEntropyLoss in torch.testing._internal.common_modules,
  its module inputs and its error inputs;
- "test_nn": the test_cross_entropy_* tests of test/test_nn.py (TestNNDeviceType; the file is
  not in the wheel), rebuilt from each test's construction; see REDUCED below;
- "order": inputs with two faults at once, which show the order of PyTorch's checks, and edge
  shapes (C = 0, 0-d and 1-D inputs).

Every case is computed for every reduction, in float32 (from the float32 inputs) and in
float64 (the same inputs upcast). `grad` = d(sum(loss))/d(logits); `target_grad` =
d(sum(loss))/d(target) for probability targets. An input torch rejects becomes an error case
with torch's exception type and message.
"""

import gzip
import itertools
import json
import math
import random
import sys
from itertools import product

import numpy
import torch
import torch.nn.functional as F

REDUCED = {
    "the k-dimensional test_cross_entropy_* tests": "each extra dimension is 2 instead of randint(2, 5): up to 256 positions a row at k = 4 made the file 7 MB; the shapes' kinds (k = 0..4) are all kept",
    "test_cross_entropy_large_tensor": "logits [65536, 65537] (CUDA only, 120 GB) reduced to [8, 65]; labels all 0",
    "test_cross_entropy_64bit": "logits ones [190, 229000, 50] (CUDA only, 20 GB) reduced to [4, 7, 3]; labels zeros [4, 3]",
    "test_cross_entropy_loss_2d_out_of_bounds_class_index": "pred [10, 3, 768, 1024] (CUDA device assert) reduced to [2, 3, 4, 5]; label 254 with ignore_index 255 (an IndexError on the CPU)",
    "test_cross_entropy_label_smoothing_consistent_index_target_and_probs": "double inputs (set_default_dtype) made float32 then upcast like every case; one input per (k, smoothing) serves all three reductions",
}
DROPPED = {
    "float16 / bfloat16 dtypes of the OpInfo and ModuleInfo": "the book's API is f32 and f64 only",
    "int32 / int16 class ids": "Target holds i64 or u8 ids only: other integer types do not type-check",
    "weight of shape [1, C]": "weight is an Array1: a 2-D weight does not type-check",
    "test_nll_loss_* tests": "they call F.nll_loss, not cross_entropy",
}

REDUCTIONS = ("mean", "sum", "none")


def enc(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(v, list):
        return [enc(x) for x in v]
    return v


def short32(v):
    """The shortest decimal that reads back as the same float32 (read it as f32, then widen)."""
    return float(str(numpy.float32(v)))


def tolist(t):
    t = t.detach()
    if t.dtype == torch.float32:
        return enc(numpy.vectorize(short32, otypes=[float])(t.numpy()).tolist() if t.numel() else t.tolist())
    return enc(t.tolist())


cases = []
error_cases = []
names = set()


def unique(name):
    base, i = name, 1
    while name in names:
        i += 1
        name = f"{base}_{i}"
    names.add(name)
    return name


def run(x, t, weight, kwargs, reduction, dtype):
    x = x.detach().to(dtype).requires_grad_(True)
    soft = t.is_floating_point()
    t = t.detach().to(dtype).requires_grad_(True) if soft else t.detach()
    w = None if weight is None else weight.detach().to(dtype)
    loss = F.cross_entropy(x, t, weight=w, reduction=reduction, **kwargs)
    loss.sum().backward()
    out = {"loss": tolist(loss), "grad": tolist(x.grad)}
    if soft:
        out["target_grad"] = tolist(t.grad)
    return out


def add(source, name, description, x, t, weight=None, **kwargs):
    """One input: a case if torch accepts it (all reductions, both precisions), else an error case."""
    x = x.detach().to(torch.float32)
    t = t.detach()
    if t.is_floating_point():
        t = t.to(torch.float32)
    reduction = kwargs.pop("reduction", None)
    weight = None if weight is None else weight.detach().to(torch.float32)
    entry = {
        "name": unique(name),
        "source": source,
        "description": description,
        "logits_shape": list(x.shape),
        "logits": tolist(x),
        "target_shape": list(t.shape),
        "target_dtype": str(t.dtype),
        "target": tolist(t),
    }
    try:
        if reduction is not None:
            F.cross_entropy(x, t, weight=weight, reduction=reduction, **kwargs)
        results = {
            r: {p: run(x, t, weight, kwargs, r, d) for p, d in (("f32", torch.float32), ("f64", torch.float64))}
            for r in REDUCTIONS
        }
    except (RuntimeError, ValueError, IndexError) as e:
        entry["kwargs"] = {k: enc(v) for k, v in kwargs.items()}
        if weight is not None:
            entry["kwargs"]["weight"] = tolist(weight)
        if reduction is not None:
            entry["kwargs"]["reduction"] = reduction
        entry["error_type"] = type(e).__name__
        entry["error_message"] = str(e).split("\n")[0]
        error_cases.append(entry)
        return
    entry.update(
        {
            "target_kind": "probabilities" if t.is_floating_point() else "indices",
            "weight": None if weight is None else tolist(weight),
            "ignore_index": kwargs.get("ignore_index", -100),
            "label_smoothing": enc(float(kwargs.get("label_smoothing", 0.0))),
            "results": results,
        }
    )
    if reduction is not None:
        entry["description"] += f" (the test's reduction: {reduction}; all three are computed)"
    cases.append(entry)


def seed(n):
    torch.manual_seed(n)
    random.seed(n)


def opinfo():
    from torch.testing._internal.common_methods_invocations import op_db

    op = next(o for o in op_db if o.name == "nn.functional.cross_entropy" and o.variant_test_name == "")
    seed(0)
    for i, s in enumerate(op.sample_inputs("cpu", torch.float32, requires_grad=True)):
        kwargs = dict(s.kwargs)
        weight = kwargs.pop("weight", None)
        t = s.args[0]
        kind = "prob" if t.is_floating_point() else "index"
        opts = "_".join(k for k in kwargs if k != "reduction") or "plain"
        add("opinfo", f"opinfo_{i}_{kind}_{opts}", f"sample_inputs_cross_entropy #{i}: input {list(s.input.shape)}, {kind} target, {kwargs}, weight {weight is not None}", s.input, t, weight, **kwargs)


def module():
    from torch.testing._internal.common_modules import module_db

    info = next(m for m in module_db if m.module_cls is torch.nn.CrossEntropyLoss)
    seed(0)
    for mi in info.module_inputs_func(info, device="cpu", dtype=torch.float32, requires_grad=True, training=True):
        kwargs = dict(mi.constructor_input.kwargs)
        weight = kwargs.pop("weight", None)
        x, t = mi.forward_input.args
        add("module", f"module_{mi.desc}", f"ModuleInfo nn.CrossEntropyLoss input '{mi.desc}'", x, t, weight, **kwargs)
    seed(0)
    for i, err in enumerate(info.module_error_inputs_func(info, device="cpu", dtype=torch.float32, requires_grad=False, training=True)):
        mi = err.module_error_input
        kwargs = dict(mi.constructor_input.kwargs)
        weight = kwargs.pop("weight", None)
        x, t = mi.forward_input.args
        before = len(error_cases)
        add("module", f"module_error_{i}", f"ModuleInfo error input #{i}: expects {err.error_type.__name__} /{err.error_regex}/", x, t, weight, **kwargs)
        assert len(error_cases) == before + 1, f"module error input {i} was accepted"


def other_dims(k):
    # The tests draw each extra dimension from [2, 5); 2 here keeps k = 4 at 16 positions a row.
    return [torch.randint(2, 3, size=(1,)).item() for _ in range(k)]


def test_nn():
    N, C = 5, 4
    seed(1)
    for k in range(5):
        dims = other_dims(k)
        x = torch.randn(N, C, *dims)
        t = torch.randn(N, C, *dims)
        w = torch.randn(C).abs()
        for name, weight in (("noweight", None), ("weight", w)):
            add("test_nn", f"prob_target_all_reductions_k{k}_{name}", f"test_cross_entropy_loss_prob_target_all_reductions, k={k}, randn target", x, t, weight)
    seed(2)
    for k in range(5):
        dims = other_dims(k)
        x = torch.randn(N, C, *dims)
        t = torch.randn(N, C, *dims)
        for name, weight in (("noweight", None), ("unit_weight", torch.ones(C))):
            add("test_nn", f"prob_target_unit_weights_k{k}_{name}", f"test_cross_entropy_loss_prob_target_unit_weights, k={k}", x, t, weight)
    seed(3)
    for weighted in (False, True):
        x = torch.randn(5).log_softmax(dim=-1)
        t = torch.randn(5).softmax(dim=-1)
        weight = torch.randn(5) if weighted else None
        add("test_nn", f"prob_target_no_batch_dim_w{int(weighted)}", "test_cross_entropy_loss_prob_target_no_batch_dim, unbatched", x, t, weight)
        add("test_nn", f"prob_target_no_batch_dim_w{int(weighted)}_batched", "test_cross_entropy_loss_prob_target_no_batch_dim, unsqueezed", x.unsqueeze(0), t.unsqueeze(0), weight)
    seed(4)
    for k in range(5):
        dims = other_dims(k)
        x = torch.randn(N, C, *dims)
        t = torch.empty(N, *dims, dtype=torch.long).random_(0, C)
        for name, weight in (("noweight", None), ("unit_weight", torch.ones(C))):
            add("test_nn", f"index_target_unit_weights_k{k}_{name}", f"test_cross_entropy_loss_index_target_unit_weights, k={k}", x, t, weight)
    seed(5)
    for k in range(5):
        dims = other_dims(k)
        x = torch.randn(N, C, *dims)
        t = torch.empty(N, *dims, dtype=torch.long).random_(0, C)
        w = torch.randn(C).abs()
        one_hot = F.one_hot(t, num_classes=C).to(x.dtype)
        one_hot = one_hot.permute(0, -1, *range(1, one_hot.dim() - 1))
        for name, weight in (("noweight", None), ("weight", w)):
            add("test_nn", f"one_hot_k{k}_{name}_index", f"test_cross_entropy_loss_one_hot_target, k={k}, class ids", x, t, weight)
            add("test_nn", f"one_hot_k{k}_{name}_probs", f"test_cross_entropy_loss_one_hot_target, k={k}, one-hot probabilities", x, one_hot, weight)
    seed(6)
    x = torch.randn(3, 4)
    add("test_nn", "label_smoothing_errors_index", "test_cross_entropy_label_smoothing_errors: 4 class ids for 3 rows and label_smoothing 1.2 (label_smoothing is checked first)", x, torch.arange(0, 4), label_smoothing=1.2)
    add("test_nn", "label_smoothing_errors_probs", "test_cross_entropy_label_smoothing_errors: probabilities and label_smoothing 1.2", x, torch.randn(3, 4), label_smoothing=1.2)
    N, C = 10, 4
    seed(7)
    for k, ls in product(range(5), (0.05, 0.15)):
        dims = other_dims(k)
        x = torch.randn(N, C, *dims)
        t = torch.empty(N, *dims, dtype=torch.long).random_(0, C)
        proba = F.one_hot(t, num_classes=C)
        proba = proba.permute(0, -1, *range(1, proba.dim() - 1))
        mask = proba == 1
        proba = proba.to(x.dtype)
        proba.masked_fill_(mask, 1 - ls + ls / C)
        proba.masked_fill_(~mask, ls / C)
        add("test_nn", f"ls_consistent_k{k}_ls{ls}_index", f"test_cross_entropy_label_smoothing_consistent_index_target_and_probs, k={k}, class ids smoothed by {ls}", x, t, label_smoothing=ls)
        add("test_nn", f"ls_consistent_k{k}_ls{ls}_probs", f"test_cross_entropy_label_smoothing_consistent_index_target_and_probs, k={k}, the smoothed one-hot probabilities", x, proba)
    seed(8)
    for k, ls in product(range(5), (0.05, 0.15)):
        dims = other_dims(k)
        x = torch.randn(N, C, *dims)
        t = F.log_softmax(torch.randn(N, C, *dims), dim=1)
        add("test_nn", f"ls_with_probs_k{k}_ls{ls}", f"test_cross_entropy_label_smoothing_with_probs, k={k}, log-softmax (negative) target smoothed by {ls}", x, t, label_smoothing=ls)
        add("test_nn", f"ls_with_probs_k{k}_ls{ls}_manual", f"test_cross_entropy_label_smoothing_with_probs, k={k}, the same target smoothed by hand", x, t * (1 - ls) + ls / C)
    wgt = torch.tensor([0.3, 0.6])
    inp1 = torch.tensor([[0.3, 0.4], [1, 2]])
    inp2 = torch.tensor([[0.3, 0.6], [1, 2]])
    targets = {"default": (torch.tensor([-100, 1]), -100), "negative": (torch.tensor([-2, 1]), -2), "positive": (torch.tensor([2, 1]), 2)}
    for ls, weighted, (which, (t, ignore)) in product((0.05, 0.15), (False, True), targets.items()):
        weight = wgt if weighted else None
        for inp_name, x, tt in (("inp1", inp1, t), ("inp2", inp2, t), ("inp2_tail", inp2[1:], t[1:])):
            add("test_nn", f"ls_weight_ignore_{which}_ls{ls}_w{int(weighted)}_{inp_name}", f"test_cross_entropy_label_smoothing_weight_ignore_indices: {which} ignore_index {ignore}, smoothing {ls}", x, tt, weight, ignore_index=ignore, label_smoothing=ls)
    seed(9)
    labels = torch.zeros(8, dtype=torch.long)
    add("test_nn", "large_tensor_reduced", REDUCED["test_cross_entropy_large_tensor"], torch.randn(8, 65), labels)
    add("test_nn", "64bit_reduced", REDUCED["test_cross_entropy_64bit"], torch.ones(4, 7, 3), torch.zeros(4, 3, dtype=torch.long))
    pred = torch.randn(2, 3, 4, 5)
    labels = torch.zeros(2, 4, 5, dtype=torch.long)
    labels[1, 2, 3] = 254
    add("test_nn", "2d_out_of_bounds_class_index_reduced", REDUCED["test_cross_entropy_loss_2d_out_of_bounds_class_index"], pred, labels, ignore_index=255, reduction="none")


def order():
    seed(10)
    x = torch.randn(2, 3)
    ids = torch.tensor([0, 2])
    probs = torch.randn(2, 3).softmax(1)
    L = torch.long
    add("order", "reduction_before_everything", "a bad reduction and label_smoothing 2: the reduction is checked in Python, first", x, ids, reduction="avg", label_smoothing=2.0)
    add("order", "smoothing_before_weight", "index targets: label_smoothing 1.5 and a weight of the wrong length", x, ids, torch.ones(2), label_smoothing=1.5)
    add("order", "probs_weight_before_smoothing", "probability targets: the weight is checked before label_smoothing", x, probs, torch.ones(2), label_smoothing=1.5)
    add("order", "probs_ignore_before_weight", "probability targets: ignore_index before the weight", x, probs, torch.ones(2), ignore_index=1)
    add("order", "batch_before_weight", "3 ids for 2 rows and a weight of the wrong length", x, torch.tensor([0, 1, 2]), torch.ones(2))
    add("order", "weight_before_bounds", "an id out of range and a weight of the wrong length", x, torch.tensor([0, 7]), torch.ones(2))
    add("order", "dtype_before_weight", "float targets of the wrong shape and a weight of the wrong length", x, torch.rand(2), torch.ones(2))
    add("order", "batch_before_dtype", "float targets with the wrong batch size", x, torch.rand(3))
    add("order", "target_dims_2d", "[2, 1] ids for [2, 3] logits", x, torch.zeros(2, 1, dtype=L))
    add("order", "scalar_target_2d", "a 0-d id for [2, 3] logits", x, torch.tensor(1))
    add("order", "spatial_target_dims_4d", "[2, 4] ids for [2, 3, 4, 5] logits", torch.randn(2, 3, 4, 5), torch.zeros(2, 4, dtype=L))
    add("order", "spatial_size_4d", "[2, 4, 6] ids for [2, 3, 4, 5] logits", torch.randn(2, 3, 4, 5), torch.zeros(2, 4, 6, dtype=L))
    add("order", "spatial_weight_before_size_4d", "4-D: the weight before the size mismatch", torch.randn(2, 3, 4, 5), torch.zeros(2, 4, 6, dtype=L), torch.ones(2))
    add("order", "spatial_dtype_4d", "4-D: float targets of the right size", torch.randn(2, 3, 4, 5), torch.rand(2, 4, 5))
    add("order", "spatial_dtype_before_size_4d", "4-D: float targets of the wrong size", torch.randn(2, 3, 4, 5), torch.rand(2, 4, 6))
    add("order", "spatial_weight_3d", "3-D: a weight of the wrong length", torch.randn(2, 3, 4), torch.zeros(2, 4, dtype=L), torch.ones(2))
    add("order", "target_size_before_weight_3d", "3-D: the target size before the weight", torch.randn(2, 3, 4), torch.zeros(2, 5, dtype=L), torch.ones(2))
    add("order", "unbatched_two_ids", "[3] logits, two ids", torch.randn(3), torch.tensor([1, 2]))
    add("order", "unbatched_one_id_in_a_list", "[3] logits, the id as a 1-element list (rejected when the logits require grad, as here)", torch.randn(3), torch.tensor([1]))
    add("order", "unbatched_one_class_one_id_in_a_list", "[1] logits, the id as a 1-element list", torch.randn(1), torch.tensor([0]))
    add("order", "unbatched_out_of_bounds", "[3] logits, id 5", torch.randn(3), torch.tensor(5))
    add("order", "scalar_input_index", "0-d logits, an id list", torch.tensor(1.0), torch.tensor([0]))
    add("order", "scalar_input_long_scalar", "0-d logits, 0-d id (same shape: the probability path)", torch.tensor(1.0), torch.tensor(0))
    add("order", "scalar_input_probability", "0-d logits and 0-d probability", torch.tensor(1.0), torch.tensor(0.5))
    add("order", "negative_smoothing_index", "label_smoothing -0.1 is not rejected: it means no smoothing", x, ids, label_smoothing=-0.1)
    add("order", "negative_smoothing_probs", "label_smoothing -0.1 with probabilities: no smoothing", x, probs, label_smoothing=-0.1)
    add("order", "nan_smoothing_index", "label_smoothing NaN: no smoothing", x, ids, label_smoothing=float("nan"))
    add("order", "byte_targets", "uint8 class ids", x, ids.to(torch.uint8))
    add("order", "byte_targets_smoothing", "uint8 class ids with smoothing", x, ids.to(torch.uint8), label_smoothing=0.2)
    add("order", "byte_targets_weight", "uint8 class ids with weights", x, ids.to(torch.uint8), torch.tensor([0.5, 2.0, 1.0]))
    add("order", "byte_targets_smoothing_weight_mean", "uint8 class ids, weights and smoothing: the mean gathers the weights by the ids, which must be int32/int64", x, ids.to(torch.uint8), torch.tensor([0.5, 2.0, 1.0]), label_smoothing=0.2, reduction="mean")
    add("order", "byte_target_out_of_bounds", "uint8 id 200", x, torch.tensor([0, 200], dtype=torch.uint8))
    add("order", "byte_same_shape", "uint8 targets of the input's shape", x, torch.zeros(2, 3, dtype=torch.uint8))
    add("order", "zero_classes_probs", "C = 0, probability targets: the mean is NaN", torch.randn(1, 0), torch.randn(1, 0))
    add("order", "zero_classes_probs_unbatched", "[0] logits, [0] probabilities", torch.randn(0), torch.randn(0))
    add("order", "zero_classes_probs_5", "[5, 0] logits and probabilities", torch.rand(5, 0), torch.rand(5, 0))
    add("order", "zero_classes_index", "C = 0, class id 0 is out of bounds", torch.randn(1, 0), torch.zeros(1, dtype=L))
    add("order", "empty_batch_smoothing", "N = 0 with label smoothing", torch.randn(0, 3), torch.zeros(0, dtype=L), label_smoothing=0.3)
    add("order", "empty_batch_probs", "N = 0 with probabilities", torch.randn(0, 3), torch.zeros(0, 3))
    add("order", "empty_spatial", "[2, 3, 0, 5] logits", torch.randn(2, 3, 0, 5), torch.zeros(2, 0, 5, dtype=L))


def main(path):
    opinfo()
    module()
    test_nn()
    order()
    golden = {
        "schema": "ce-golden/1",
        "generator": "xtask/py/goldens.py (cargo xtask goldens)",
        "torch_version": torch.__version__,
        "conventions": {
            "nonfinite": "NaN/inf are encoded as strings 'nan','inf','-inf'",
            "grad": "d(sum(output))/d(logits)",
            "target_grad": "d(sum(output))/d(target), probability targets only",
            "f32": "torch computed in float32 from the float32 inputs",
            "f64": "torch computed in float64 from the same float32 inputs (upcast)",
            "target_shape": "the target's shape (nested lists lose the shape of empty tensors)",
        },
        "reduced": REDUCED,
        "dropped": DROPPED,
        "cases": cases,
        "error_cases": error_cases,
    }
    text = json.dumps(golden, separators=(",", ":"), sort_keys=False) + "\n"
    # No file name and no time in the gzip header: the same inputs give the same bytes.
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as f:
        f.write(text.encode())
    sources = {}
    for c in cases + error_cases:
        sources[c["source"]] = sources.get(c["source"], 0) + 1
    print(f"{len(cases)} cases, {len(error_cases)} error cases ({sources}) -> {path}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
