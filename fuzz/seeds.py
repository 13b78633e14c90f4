"""Writes fuzz/corpus/cross_entropy/ from the golden files: every case and error case whose
shape fits the target's small dimensions (at most 4 axes of at most 7), encoded as the bytes
`arbitrary` 1.5 decodes into the target's `Input` (fields in order; a Vec is a 1-byte
"more" flag before each element; integers and floats little-endian).

    python3 fuzz/seeds.py
"""
import gzip, json, math, pathlib, struct

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "fuzz/corpus/cross_entropy"
out.mkdir(parents=True, exist_ok=True)


def num(v):
    return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(v, v) if isinstance(v, str) else v


def flat(v):
    return [y for x in v for y in flat(x)] if isinstance(v, list) else [num(v)]


def vec(items, enc):
    return b"".join(b"\x01" + enc(i) for i in items) + b"\x00"


u8 = lambda v: struct.pack("<B", v)
f32 = lambda v: struct.pack("<f", v)
i64 = lambda v: struct.pack("<q", v)


def encode(case, reduction, double):
    shape, tshape = case["logits_shape"], case["target_shape"]
    if len(shape) > 4 or len(tshape) > 4 or any(d > 7 for d in shape + tshape):
        return None
    opts = case.get("kwargs", case)
    soft = case["target_dtype"] == "torch.float32"
    target = flat(case["target"])
    logits = flat(case["logits"])
    values = logits + target if soft else logits  # the target reads probabilities from values
    weight = opts.get("weight")
    ls = num(opts.get("label_smoothing", 0.0))
    byte = case["target_dtype"] == "torch.uint8"
    data = vec(shape, u8) + vec(tshape, u8) + vec([] if reduction == 0 else [], u8)
    data += vec(values, f32) + vec([] if soft else [int(t) for t in target], i64)
    data += (b"\x01" + vec(flat(weight), f32)) if weight else b"\x00"
    data += i64(opts.get("ignore_index", -100)) + f32(ls)
    data += u8(reduction + (3 if byte else 0)) + u8(int(soft)) + u8(int(double))
    return data


count = 0
for name in ("pytorch-test-suite.json.gz", "pytorch-cross-entropy.json"):
    path = root / "listings/tests/golden" / name
    golden = json.load(gzip.open(path) if name.endswith(".gz") else open(path))
    for case in golden["cases"] + golden["error_cases"]:
        # The shared file has neither field: probabilities take the logits' shape.
        probs = case.get("target_kind") == "probabilities" or case.get("target_dtype") == "torch.float32"
        case.setdefault("target_dtype", "torch.float32" if probs else "torch.int64")
        if "target_shape" not in case:
            t, dims = case["target"], []
            while isinstance(t, list):
                dims.append(len(t))
                t = t[0] if t else None
            case["target_shape"] = case["logits_shape"] if probs else dims
        for reduction, double in ((0, False), (1, True), (2, False)):
            data = encode(case, reduction, double)
            if data is not None:
                (out / f"{case['name']}-{reduction}").write_bytes(data)
                count += 1
print(f"{count} seeds in {out}")
