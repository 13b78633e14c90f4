#!/usr/bin/env python3
"""mdBook preprocessor: keep the book's TeX intact through the translation.

The English edition is made by mdbook-gettext, which parses each chapter as CommonMark and
writes it back. CommonMark knows nothing of `$…$`, so the round trip rewrites TeX: `\\,`
loses its backslash, `[` comes back as `\\[`, `a_b_c` can turn into emphasis. Code is the one
thing CommonMark keeps byte for byte, so this preprocessor hides the math in code around
the translation and brings it back before KaTeX renders it:

- `guard` (after `links` and `dedent`, before `gettext`): inline `$x$` becomes the code
  span `` `$x$` ``, and a display block (`$$` on its own line, TeX, `$$`) becomes a fenced
  block of info string `math`, which is not a message: the formula is the same in every
  edition. A display formula of one line with words in it (`\text{语料}`) becomes instead
  the line `` `$$…$$` ``, a message of its own, so that its words can be translated.
  mdbook-xgettext runs after `guard` too, so the catalogue's messages hold the math as
  written, and a translator copies it as it is.
- `unguard` (after `gettext`, before `katex`): the reverse, exactly; for the Chinese
  edition, `unguard(guard(text)) == text` (the self-test checks it on every page).

Code spans and fenced code are left alone, so a `$` in code is not math. The Rust side
(`xtask::edition`) reads the same forms back; `cargo xtask test` checks the two agree.

Protocol (mdBook 0.5): `math.py MODE supports <renderer>` exits 0; otherwise stdin holds
the JSON `[context, book]` and stdout gets the book back. Standard library only.
"""
import json
import pathlib
import re
import sys

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)")
# A code span (any run of backticks, closed by the same run) or an inline formula.
INLINE = re.compile(r"(?P<code>(?P<ticks>`+).*?(?P=ticks))|\$(?P<math>[^$\n]+?)\$")
GUARDED = re.compile(r"`\$(?P<math>[^`\n]+?)\$`")
DISPLAY_LINE = re.compile(r"^(?P<indent>[ \t]*)`\$\$(?P<math>[^`\n]+)\$\$`$")
WORDS = re.compile(r"[\u4e00-\u9fff]")


def guard_line(line):
    def swap(match):
        if match.group("code"):
            return match.group(0)
        math = match.group("math")
        if "`" in math:
            raise ValueError(f"a backtick inside the formula ${math}$ cannot be guarded")
        return f"`${math}$`"

    return INLINE.sub(swap, line)


def unguard_line(line):
    return GUARDED.sub(lambda m: f"${m.group('math')}$", line)


def guard(text):
    out, fence, display = [], None, None
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        match = FENCE.match(line)
        if fence is not None:
            out.append(line)
            if match and match.group("fence").startswith(fence) and not line.strip()[len(match.group("fence")):].strip():
                fence = None
        elif display is not None:
            if line.strip() == "$$":
                out.append(f"{display}```")
                display = None
            else:
                out.append(line)
        elif match:
            fence = match.group("fence")
            out.append(line)
        elif line.strip() == "$$":
            indent = line[: len(line) - len(line.lstrip())]
            tex = lines[i] if i < len(lines) else ""
            one_line = i + 1 < len(lines) and lines[i + 1].strip() == "$$"
            if one_line and WORDS.search(tex) and "`" not in tex:
                out.append(f"{indent}`$${tex.strip()}$$`")
                i += 2
            else:
                display = indent
                out.append(f"{indent}```math")
        else:
            out.append(guard_line(line))
    if display is not None:
        raise ValueError("a display formula opened by $$ is never closed")
    return "\n".join(out)


def unguard(text):
    out, fence, display = [], None, None
    for line in text.split("\n"):
        match = FENCE.match(line)
        if display is not None:
            if match and not line.strip()[len(match.group("fence")):].strip():
                out.append(f"{display}$$")
                display = None
            else:
                out.append(line)
        elif fence is not None:
            out.append(line)
            if match and match.group("fence").startswith(fence) and not line.strip()[len(match.group("fence")):].strip():
                fence = None
        elif match and line.strip()[len(match.group("fence")):].strip() == "math":
            display = match.group("indent")
            out.append(f"{display}$$")
        elif match:
            fence = match.group("fence")
            out.append(line)
        elif DISPLAY_LINE.match(line):
            m = DISPLAY_LINE.match(line)
            out.extend([f"{m.group('indent')}$$", f"{m.group('indent')}{m.group('math')}", f"{m.group('indent')}$$"])
        else:
            out.append(unguard_line(line))
    return "\n".join(out)


def walk(node, rewrite):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, str):
                node[key] = rewrite(value)
            else:
                walk(value, rewrite)
    elif isinstance(node, list):
        for item in node:
            walk(item, rewrite)


def self_test():
    sample = "若 $p = 0.9$，`$HOME` 不是公式：\n\n$$\n-\\ln 0.9 \\approx 0.105, \\quad [0, 1]\n$$\n\n$$\nt = \\text{答案}\n$$\n\n```rust\nlet s = \"$x$\";\n```\n"
    guarded = guard(sample)
    assert "`$p = 0.9$`" in guarded and "```math\n-\\ln 0.9" in guarded, guarded
    assert "\n`$$t = \\text{答案}$$`\n" in guarded, guarded
    assert "let s = \"$x$\";" in guarded and "`$HOME`" in guarded, guarded
    assert unguard(guarded) == sample, unguard(guarded)
    pages = sorted(pathlib.Path(__file__).resolve().parent.parent.joinpath("src").glob("*.md"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert unguard(guard(text)) == text, f"{page}: guard and unguard do not round-trip"
    print(f"math self-test: ok (the sample, and {len(pages)} pages round-trip)")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "self-test":
        self_test()
        return
    if mode not in ("guard", "unguard"):
        sys.exit("usage: math.py guard|unguard|self-test [supports RENDERER]")
    if len(sys.argv) > 2 and sys.argv[2] == "supports":
        sys.exit(0)
    context, book = json.load(sys.stdin)
    walk(book, guard if mode == "guard" else unguard)
    json.dump(book, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
