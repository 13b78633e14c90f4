#!/usr/bin/env python3
"""mdBook preprocessor: strip the common indentation of every fenced code block.

Chapters include anchored regions from inside test functions, where rustfmt indents them;
mdBook's include keeps that indentation. Run after `links` (which expands the includes),
this removes it, so a listing reads as it would at the top of a notebook cell.

Protocol (mdBook 0.5): `dedent.py supports <renderer>` exits 0; otherwise stdin holds the
JSON `[context, book]` and stdout gets the book back. Every string field named "content"
(a chapter's Markdown) is rewritten; nothing else is touched. Standard library only.
"""
import json
import re
import sys

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)")


def dedent_block(lines):
    widths = [len(l) - len(l.lstrip(" ")) for l in lines if l.strip()]
    cut = min(widths, default=0)
    return [l[cut:] if l.strip() else l.strip(" ") for l in lines]


def dedent_markdown(text):
    out, block, opening = [], None, None
    for line in text.split("\n"):
        match = FENCE.match(line)
        if block is None:
            out.append(line)
            if match:
                block, opening = [], match.group("fence")
        elif match and match.group("fence").startswith(opening) and not line.strip()[len(match.group("fence")):].strip():
            out.extend(dedent_block(block))
            out.append(line)
            block, opening = None, None
        else:
            block.append(line)
    if block is not None:  # an unclosed fence: leave it as it was
        out.extend(block)
    return "\n".join(out)


def walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "content" and isinstance(value, str):
                node[key] = dedent_markdown(value)
            else:
                walk(value)
    elif isinstance(node, list):
        for item in node:
            walk(item)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "supports":
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "self-test":
        sample = "a\n```rust\n    let x = 1;\n\n        x + 1;\n```\n    not code\n"
        assert dedent_markdown(sample) == "a\n```rust\nlet x = 1;\n\n    x + 1;\n```\n    not code\n", dedent_markdown(sample)
        print("dedent self-test: ok")
        return
    context, book = json.load(sys.stdin)
    walk(book)
    json.dump(book, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
