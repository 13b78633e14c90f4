"""Build the 五言绝句 (five-character quatrain) subset of the Tang poems.

Source: the npm package ``chinese-poetry`` at a pinned version (MIT licence),
files ``package/dist/quantangshi/poet.tang.<N>.json`` (全唐诗, traditional
characters).  Output: ``train.txt`` and ``valid.txt`` next to this script, one
poem per line in simplified characters, exactly ``AAAAA，BBBBB。CCCCC，DDDDD。``
(24 characters), UTF-8, ``\\n`` line endings, trailing newline.

Run from the repository root (needs Python 3.11, ``npm`` on PATH and access to
the npm registry and PyPI):

    python3 -m venv /tmp/v \\
      && /tmp/v/bin/pip install -r xtask/py/requirements-poems.txt \\
      && /tmp/v/bin/python data/tang-poems/make_subset.py

Options: ``--tarball PATH`` uses an already downloaded
``chinese-poetry-2.0.1.tgz`` instead of running ``npm pack`` (its sha512 and
sha1 are still checked); ``--out DIR`` writes the two files elsewhere.

What is kept, in order:
  1. every poem of every ``poet.tang.<N>.json``, files in numeric order of N,
     poems in file order;
  2. the paragraphs are joined; the poem must be exactly four lines of five
     characters, each line followed by one punctuation mark.  The marks
     ，。？！；：、 and their half-width forms , . ? ! ; : are accepted and
     rewritten to the canonical ，。，。;
  3. every one of the 20 body characters must be a CJK unified ideograph
     (U+4E00-9FFF or an extension block); poems with □, brackets, notes,
     digits, private-use characters etc. are dropped;
  4. the 24-character text is converted with OpenCC ``t2s`` and checked again;
  5. exact duplicates (same simplified text) are dropped, keeping the first,
     and so are near duplicates: a poem that differs from an earlier kept one
     in at most NEAR (4) of its 24 positions (the same poem with a variant
     character or two, often under another author) would let the validation
     poems be nearly read in training;
  6. split: ``int.from_bytes(sha256(text).digest()[:8], "big") % 10 == 0``
     goes to valid, everything else to train.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "chinese-poetry"
VERSION = "2.0.1"
TARBALL = f"{PACKAGE}-{VERSION}.tgz"
# `npm view chinese-poetry@2.0.1 dist.integrity` and `dist.shasum`
INTEGRITY = (
    "sha512-KtYARvV7CWNtax0na9+Jn6PlhGgSoid7PWyDzXI4KsCEm2odZcqEQyval5koaLygZnM/"
    "EQ3lfJ//25K8p3uHNg=="
)
SHASUM = "b6e7e60d0accac7c723d066a5c360549aab8299d"

CONVERTER = "opencc-python-reimplemented"
# The converter's version is pinned in one place, the requirements file pip installs from.
REQUIREMENTS = Path(__file__).resolve().parents[2] / "xtask/py/requirements-poems.txt"
CONVERTER_VERSION = next(
    line.split("==", 1)[1].strip()
    for line in REQUIREMENTS.read_text().splitlines()
    if line.startswith(CONVERTER + "==")
)

MEMBER_RE = re.compile(r"package/dist/quantangshi/poet\.tang\.(\d+)\.json")

# CJK Unified Ideographs and its extensions A-I (not the compatibility blocks).
HAN_RANGES = (
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0x3400, 0x4DBF),  # Extension A
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2EE5F),  # Extensions C, D, E, F, I
    (0x30000, 0x323AF),  # Extensions G, H
)

COMMA_LIKE = "，。？！；：、,.?!;:"
SHAPE_RE = re.compile(
    "^" + "".join(f"([^{COMMA_LIKE}]{{5}})[{COMMA_LIKE}]" for _ in range(4)) + "$"
)
CANONICAL_RE = re.compile(r"^([^，。]{5})，([^，。]{5})。([^，。]{5})，([^，。]{5})。$")


def is_han(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in HAN_RANGES)


def fetch_tarball(tmp: Path) -> Path:
    subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"],
        cwd=tmp,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    path = tmp / TARBALL
    if not path.is_file():
        sys.exit(f"npm pack did not produce {path}")
    return path


def check_tarball(path: Path) -> None:
    data = path.read_bytes()
    got = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != INTEGRITY:
        sys.exit(f"integrity mismatch for {path}: {got} != {INTEGRITY}")
    if hashlib.sha1(data).hexdigest() != SHASUM:
        sys.exit(f"shasum mismatch for {path}")


def read_tang_files(path: Path) -> list[tuple[int, list[dict]]]:
    files = []
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            m = MEMBER_RE.fullmatch(member.name)
            if m and member.isfile():
                raw = tar.extractfile(member).read()
                files.append((int(m.group(1)), json.loads(raw.decode("utf-8"))))
    files.sort(key=lambda f: f[0])
    return files


def canonical(paragraphs: list[str]) -> str | None:
    """Return AAAAA，BBBBB。CCCCC，DDDDD。 or None if the poem is not 4x5 Han."""
    text = "".join(paragraphs).strip()
    m = SHAPE_RE.match(text)
    if not m:
        return None
    lines = m.groups()
    if not all(is_han(ch) for line in lines for ch in line):
        return None
    return f"{lines[0]}，{lines[1]}。{lines[2]}，{lines[3]}。"


def is_valid_split(text: str) -> bool:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 10 == 0


# At most this many differing positions (of 24) make two poems near duplicates.
NEAR = 4


def near_duplicate(text: str, buckets: dict[tuple[int, str], list[str]]) -> bool:
    """Whether a kept poem differs from ``text`` in at most NEAR positions.

    Two 24-character texts that differ in at most 4 positions agree on at least
    one of 5 blocks of the 20 body characters' positions (pigeonhole), so only
    the kept poems sharing a block need to be compared.
    """
    candidates = {
        other
        for key in blocks(text)
        for other in buckets.get(key, [])
    }
    return any(sum(a != b for a, b in zip(text, other)) <= NEAR for other in candidates)


def blocks(text: str) -> list[tuple[int, str]]:
    """The 5 blocks of 4 positions, numbered, that near_duplicate buckets by."""
    body = [i for i in range(24) if i % 6 != 5]
    return [(b, "".join(text[i] for i in body[4 * b : 4 * b + 4])) for b in range(5)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tarball", type=Path, help="use this tarball instead of npm pack")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = ap.parse_args()

    have = importlib.metadata.version(CONVERTER)
    if have != CONVERTER_VERSION:
        sys.exit(f"need {CONVERTER}=={CONVERTER_VERSION}, found {have}")
    from opencc import OpenCC

    t2s = OpenCC("t2s")

    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or fetch_tarball(Path(tmp))
        check_tarball(tarball)
        files = read_tang_files(tarball)
    if not files:
        sys.exit("no poet.tang.*.json files in the tarball")

    read = shape_ok = dropped_after_t2s = 0
    seen: set[str] = set()
    kept: list[str] = []
    buckets: dict[tuple[int, str], list[str]] = {}
    near = 0
    for _, poems in files:
        for poem in poems:
            read += 1
            trad = canonical(poem.get("paragraphs") or [])
            if trad is None:
                continue
            shape_ok += 1
            simp = t2s.convert(trad)
            m = CANONICAL_RE.match(simp)
            if not m or not all(is_han(ch) for line in m.groups() for ch in line):
                dropped_after_t2s += 1
                continue
            if simp in seen:
                continue
            seen.add(simp)
            if near_duplicate(simp, buckets):
                near += 1
                continue
            kept.append(simp)
            for key in blocks(simp):
                buckets.setdefault(key, []).append(simp)

    train = [p for p in kept if not is_valid_split(p)]
    valid = [p for p in kept if is_valid_split(p)]

    args.out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, poems in (("train.txt", train), ("valid.txt", valid)):
        data = "".join(p + "\n" for p in poems).encode("utf-8")
        (args.out / name).write_bytes(data)
        sizes[name] = (len(data), hashlib.sha256(data).hexdigest())

    train_chars = {ch for p in train for ch in p if is_han(ch)}
    valid_chars = {ch for p in valid for ch in p if is_han(ch)}
    unseen = valid_chars - train_chars
    unseen_occ = sum(1 for p in valid for ch in p if ch in unseen)

    print(f"source: {PACKAGE}@{VERSION} ({len(files)} poet.tang.*.json files)")
    print(f"converter: {CONVERTER}=={CONVERTER_VERSION} (t2s)")
    print(f"poems read: {read}")
    print(f"五言绝句 shape (4 lines x 5 Han chars): {shape_ok}")
    print(f"dropped after t2s (shape broken): {dropped_after_t2s}")
    print(f"exact duplicates dropped: {shape_ok - dropped_after_t2s - near - len(kept)}")
    print(f"near duplicates (at most {NEAR} of 24 positions differ) dropped: {near}")
    print(f"kept: {len(kept)} (train {len(train)}, valid {len(valid)})")
    print(f"distinct Han characters in train: {len(train_chars)}")
    print(
        f"distinct Han characters in valid not in train: {len(unseen)} "
        f"({unseen_occ} occurrences)"
    )
    for name, (size, sha) in sizes.items():
        print(f"{name}: {size} bytes, sha256 {sha}")


if __name__ == "__main__":
    main()
