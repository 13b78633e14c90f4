#!/usr/bin/env python3
"""mdBook preprocessor: build the English edition inside every build of the Chinese one.

The Chinese edition is the source; the English one is made from it by mdbook-gettext with
the translations of po/en.po. Both are served as one site: Chinese at `/`, English at
`/en/`. So, whenever the Chinese edition is built (`mdbook build`, or each rebuild of
`mdbook serve`), this preprocessor first builds the English edition — the same sources,
with `book.language = "en"` and the English title — into `src/en/`. The Chinese build then
copies `src/en/` into `book/en/`, as it copies every file of `src/` that is not a chapter
(the figures, the search index). `src/en/` is git-ignored, which also keeps mdbook serve's
watcher from rebuilding when it is written; and live reload fires once, when both editions
are done. The English build is run with the settings `mdbook serve` gave this one (its
live-reload endpoint, so the English pages reload too), and its log joins this one's.

The book itself passes through unchanged. In the English build (and any build whose
language is not the source's) this preprocessor does nothing.

Settings, in book.toml under [preprocessor.editions]: `source-language` (the language of
the sources), and one table per translation, e.g. [preprocessor.editions.en] with `title`
and `description`; its catalogue is po/<language>.po.

Protocol (mdBook 0.5): `editions.py supports <renderer>` exits 0; otherwise stdin holds
the JSON `[context, book]` and stdout gets the book back. Standard library only.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys


def build_translation(context, language, settings):
    root = pathlib.Path(context["root"])
    config = context["config"]
    env = dict(os.environ)
    env["MDBOOK_BOOK__LANGUAGE"] = language
    # mdBook reads an MDBOOK_ value as JSON when it can: quoted, a title stays a string.
    for key in ("title", "description"):
        if key in settings:
            env[f"MDBOOK_BOOK__{key.upper()}"] = json.dumps(settings[key])
    html = config.get("output", {}).get("html", {})
    # The 404 page links its scripts from the site's URL: the edition's folder under it.
    site = html.get("site-url", "/").rstrip("/")
    env["MDBOOK_OUTPUT__HTML__SITE_URL"] = f"{site}/{language}/"
    if "live-reload-endpoint" in html:
        env["MDBOOK_OUTPUT__HTML__LIVE_RELOAD_ENDPOINT"] = html["live-reload-endpoint"]
    out = root / config.get("book", {}).get("src", "src") / language
    mdbook = shutil.which("mdbook")
    if mdbook is None:
        sys.exit("editions: mdbook is not on PATH (`cargo xtask tools` installs the pinned one)")
    result = subprocess.run(
        [mdbook, "build", "--dest-dir", str(out)],
        cwd=root,
        env=env,
        stdout=sys.stderr,
    )
    if result.returncode != 0:
        sys.exit(f"editions: building the {language} edition failed (its log is above)")
    # The edition copied src/ as every build does; the search index it copied is stale, and
    # unused: one index at the site's root serves every edition (theme/search.js).
    shutil.rmtree(out / "pagefind", ignore_errors=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "supports":
        sys.exit(0)
    context, book = json.load(sys.stdin)
    config = context["config"]
    settings = config.get("preprocessor", {}).get("editions", {})
    source = settings.get("source-language", "zh-CN")
    if config.get("book", {}).get("language") == source:
        for language, edition in settings.items():
            if isinstance(edition, dict):
                build_translation(context, language, edition)
    json.dump(book, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
