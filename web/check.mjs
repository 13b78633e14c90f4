// The built book in a real browser (Debian's Chromium, driven by playwright-core).
//
//   node web/check.mjs BOOK_DIR SHOTS_DIR         check every page; exit 1 on any problem
//   node web/check.mjs --self-test BOOK_DIR TMP   break a copy three ways; each must be caught
//   node web/check.mjs --live URL STEM WORD       a served book: page STEM shows, search finds WORD in it
//
// Every page is served from 127.0.0.1 and must: log no console error; request nothing
// outside localhost; render every formula with KaTeX (no raw TeX, no .katex-error);
// load every image; carry its edition's `lang`; and link, by the language switch, to the
// same page of the other edition (the Chinese at /, the English at /en/). The search must
// find Chinese and English words in the right chapters of each edition, and only there,
// and clicking a result must open that chapter. print.html must hold every chapter. A
// full-page screenshot of every page is kept in SHOTS_DIR for review.
import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

// The numbered chapters, from SUMMARY.md: never a list written here by hand. (This script
// cannot call listings::machinery::layout, the Rust reader of SUMMARY.md; this function is
// its one reader on the JavaScript side, and reads the same `- [title](chNN-name.md)` lines.)
function numberedChapters() {
    const summary = fs.readFileSync(new URL("../src/SUMMARY.md", import.meta.url), "utf8");
    return [...summary.matchAll(/^- \[([^\]]+)\]\((ch\d\d-[\w-]+)\.md\)/gm)]
        .map((m) => ({ title: m[1], stem: m[2] }));
}
const CHAPTERS = numberedChapters();

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"];

// Queries and the chapter each must find (the first result need not be it).
const QUERIES = [
    ["交叉熵", "ch02-one-hot"], ["惊讶度", "ch01-coin"], ["独热", "ch02-one-hot"], ["苹果", "ch02-one-hot"],
    ["对数", "ch01-coin"], ["梯度", "ch03-fused"], ["softmax", "ch03-fused"], ["PyTorch", "ch04-options"],
    ["标签平滑", "ch04-options"], ["困惑度", "ch05-training"], ["KL", "ch05-training"], ["缺页", "ch06-speed"], ["所有权", "rust-primer"], ["术语", "glossary"],
];

// The English edition's queries: each must find its chapter under en/, and nothing outside.
const ENGLISH_QUERIES = [
    ["cross-entropy", "ch02-one-hot"], ["surprise", "ch01-coin"], ["one-hot", "ch02-one-hot"],
    ["softmax", "ch03-fused"], ["label smoothing", "ch04-options"], ["perplexity", "ch05-training"],
    ["page fault", "ch06-speed"], ["ownership", "rust-primer"], ["苹果", "ch02-one-hot"],
];

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
    ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2", ".woff": "font/woff",
    ".ttf": "font/ttf", ".json": "application/json", ".wasm": "application/wasm" };

function serve(dir) {
    const server = http.createServer((req, res) => {
        const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
        let file = path.join(dir, url.endsWith("/") ? url + "index.html" : url);
        if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
            res.writeHead(404, { "content-type": TYPES[".html"] });
            res.end(fs.readFileSync(path.join(dir, "404.html")));
            return;
        }
        res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
        res.end(fs.readFileSync(file));
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const local = (url) => /^(data|blob|about):/.test(url) || /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url);

async function checkPage(browser, base, name, shots) {
    const problems = [];
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => { if (!local(r.url())) problems.push(`request outside localhost: ${r.url()}`); });
    page.on("requestfailed", (r) => { if (local(r.url())) problems.push(`failed request: ${r.url()}`); });
    page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("/missing-page.html")) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
    await page.goto(`${base}/${name}`, { waitUntil: "load" });
    const facts = await page.evaluate(() => {
        const main = document.querySelector("main") || document.body;
        const raw = [];
        const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (n.parentElement.closest("pre, code, .katex, script, style")) continue;
            if (/\$|\\[a-zA-Z]+\{/.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 60));
        }
        const broken = [...document.images].filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.getAttribute("src"));
        const other = document.getElementById("edition-switch");
        return { formulas: main.querySelectorAll(".katex").length, errors: main.querySelectorAll(".katex-error").length,
            images: document.images.length, broken, raw, title: document.title,
            lang: document.documentElement.lang, other: other ? other.href : null,
            h1: [...main.querySelectorAll("h1")].map((h) => h.textContent.trim()) };
    });
    if (facts.errors) problems.push(`${facts.errors} formulas KaTeX could not render`);
    for (const r of facts.raw) problems.push(`raw TeX in the text: ${r}`);
    for (const b of facts.broken) problems.push(`image did not load: ${b}`);
    if (shots) await page.screenshot({ path: path.join(shots, name.replace(/\.html$/, ".png")), fullPage: true });
    await page.close();
    return { problems, ...facts };
}

async function search(browser, base, query, edition = "") {
    const page = await browser.newPage();
    await page.goto(`${base}/${edition}intro.html`, { waitUntil: "load" });
    await page.keyboard.press("s");
    const input = page.locator("#book-search input");
    await input.waitFor({ timeout: 10000 });
    await input.fill(query);
    await input.press("End"); // typing Chinese through a driver may fire no key-up of its own
    const results = page.locator("#book-search .pagefind-ui__result");
    try {
        await results.first().waitFor({ timeout: 10000 });
    } catch {
        await page.close();
        return { links: [], excerpt: "" };
    }
    // The UI shows the first results; Pagefind's API lists them all, for the coverage check.
    const links = await page.evaluate(async (q) => {
        const site = document.documentElement.lang === "en" ? "../" : "";
        const pagefind = await import(new URL(site + "pagefind/pagefind.js", document.baseURI).href);
        await pagefind.init();
        const search = await pagefind.search(q);
        return Promise.all(search.results.map(async (r) => (await r.data()).url));
    }, query);
    const excerpt = (await page.locator("#book-search .pagefind-ui__result-excerpt").first().textContent()) || "";
    return { links, excerpt, page };
}

async function check(bookDir, shots) {
    const problems = [];
    const server = await serve(path.resolve(bookDir));
    const base = `http://127.0.0.1:${server.address().port}`;
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
    try {
        if (shots) fs.mkdirSync(shots, { recursive: true });
        const html = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith(".html") && f !== "toc.html").sort();
        const chinese = html(bookDir);
        const english = html(path.join(bookDir, "en")).map((f) => `en/${f}`);
        const pages = [...chinese, ...english];
        if (english.length !== chinese.length) problems.push(`the English edition has ${english.length} pages, the Chinese ${chinese.length}`);
        if (shots) fs.mkdirSync(path.join(shots, "en"), { recursive: true });
        let formulas = 0, images = 0;
        for (const name of pages) {
            const r = await checkPage(browser, base, name, shots);
            formulas += r.formulas; images += r.images;
            problems.push(...r.problems.map((p) => `${name}: ${p}`));
            const en = name.startsWith("en/");
            if (r.lang !== (en ? "en" : "zh-CN")) problems.push(`${name}: lang is ${r.lang}`);
            const twin = `${base}/${en ? name.slice(3) : `en/${name}`}`;
            if (name !== "404.html" && name !== "en/404.html" && r.other !== twin) problems.push(`${name}: the language switch goes to ${r.other}, not ${twin}`);
            console.log(`page ${name}: ${r.formulas} formulas, ${r.images} images, ${r.problems.length} problems`);
        }
        // The switch, clicked: the same chapter in the other language, and back.
        const hop = await browser.newPage();
        await hop.goto(`${base}/${CHAPTERS[2].stem}.html`, { waitUntil: "load" });
        await hop.click("#edition-switch");
        await hop.waitForLoadState("load");
        const there = [hop.url(), await hop.evaluate(() => document.documentElement.lang)];
        await hop.click("#edition-switch");
        await hop.waitForLoadState("load");
        const back = hop.url();
        await hop.close();
        if (there[0] !== `${base}/en/${CHAPTERS[2].stem}.html` || there[1] !== "en" || back !== `${base}/${CHAPTERS[2].stem}.html`)
            problems.push(`the language switch of ${CHAPTERS[2].stem} went to ${there.join(" ")} and back to ${back}`);
        else console.log(`language switch: ${CHAPTERS[2].stem}.html → en/${CHAPTERS[2].stem}.html → back`);
        // The figures on a dark theme, for review: each is a white card with a frame.
        if (shots) {
            const dark = await browser.newPage({ viewport: { width: 1200, height: 900 } });
            await dark.addInitScript(() => localStorage.setItem("mdbook-theme", "navy"));
            await dark.goto(`${base}/${CHAPTERS[0].stem}.html`, { waitUntil: "load" });
            await dark.screenshot({ path: path.join(shots, `${CHAPTERS[0].stem}-navy.png`) });
            await dark.close();
        }
        // An unknown address gets the book's 404 page.
        const missing = await checkPage(browser, base, "missing-page.html", null);
        if (!missing.title.includes("404") && !missing.h1.some((h) => h.includes("404"))) problems.push("no 404 page for a missing address");
        // print.html holds every chapter.
        const print = await checkPage(browser, base, "print.html", null);
        if (CHAPTERS.length < 6) problems.push(`SUMMARY.md gives only ${CHAPTERS.length} chapters`);
        for (const { title } of CHAPTERS) {
            if (!print.h1.some((h) => h.includes(title))) problems.push(`print.html lacks chapter ${title}`);
        }
        // The English print.html holds as many chapters as the Chinese.
        const printEn = await checkPage(browser, base, "en/print.html", null);
        if (printEn.h1.length !== print.h1.length) problems.push(`en/print.html has ${printEn.h1.length} chapter titles, print.html ${print.h1.length}`);
        // Search, in each edition: the Chinese finds Chinese pages only, the English English ones.
        for (const [query, chapter] of ENGLISH_QUERIES) {
            const { links, excerpt, page } = await search(browser, base, query, "en/");
            const hit = links.some((l) => l.includes(`/en/${chapter}`));
            const stray = links.filter((l) => !l.includes("/en/"));
            console.log(`search (en) ${query}: ${links.length} results, ${hit ? "finds" : "MISSES"} en/${chapter}; first excerpt: ${excerpt.slice(0, 50)}`);
            if (!hit) problems.push(`search (en) ${query} does not find en/${chapter} (got ${links.join(", ")})`);
            if (stray.length) problems.push(`search (en) ${query} finds Chinese pages: ${stray.join(", ")}`);
            if (/\\[a-z]{2,}|\$/.test(excerpt)) problems.push(`search (en) ${query}: TeX in the excerpt: ${excerpt}`);
            if (page) await page.close();
        }
        for (const [query, chapter] of QUERIES) {
            const { links, excerpt, page } = await search(browser, base, query);
            const hit = links.some((l) => l.includes(chapter));
            if (links.some((l) => l.includes("/en/"))) problems.push(`search ${query} finds English pages: ${links.join(", ")}`);
            console.log(`search ${query}: ${links.length} results, ${hit ? "finds" : "MISSES"} ${chapter}; first excerpt: ${excerpt.slice(0, 50)}`);
            if (!hit) problems.push(`search ${query} does not find ${chapter} (got ${links.join(", ")})`);
            if (/\\[a-z]{2,}|\$/.test(excerpt)) problems.push(`search ${query}: TeX in the excerpt: ${excerpt}`);
            if (page && query === "独热" && hit) {
                await page.locator(`#book-search .pagefind-ui__result-link[href*="${chapter}"]`).first().click();
                await page.waitForLoadState("load");
                if (!page.url().includes(chapter)) problems.push(`clicking a result for ${query} opened ${page.url()}`);
                else console.log(`search ${query}: clicking the result opens ${page.url().replace(base, "")}`);
            }
            if (page) await page.close();
        }
        console.log(`browser: ${pages.length} pages (${english.length} English), ${formulas} formulas, ${images} images, ${QUERIES.length} + ${ENGLISH_QUERIES.length} queries checked`);
    } finally {
        await browser.close();
        server.close();
    }
    return problems;
}

// Break a copy of the book on purpose: each break must be caught.
async function selfTest(bookDir, tmp) {
    const breaks = {
        "missing image": ["ch01-coin.html", (h) => h.replace("figures/surprise-curve.svg", "figures/no-such-figure.svg"), "image did not load"],
        "script from a CDN": ["ch02-one-hot.html", (h) => h.replace("</head>", '<script src="https://cdn.jsdelivr.net/npm/katex/dist/katex.min.js"></script></head>'), "outside localhost"],
        "raw TeX": ["ch03-fused.html", (h) => h.replace("<main>", "<main><p>损失是 $-\\ln p$。</p>"), "raw TeX"],
    };
    const failures = [];
    for (const [what, [file, edit, expected]] of Object.entries(breaks)) {
        const dir = path.join(tmp, what.replace(/ /g, "-"));
        fs.rmSync(dir, { recursive: true, force: true });
        fs.cpSync(bookDir, dir, { recursive: true });
        fs.writeFileSync(path.join(dir, file), edit(fs.readFileSync(path.join(dir, file), "utf8")));
        const server = await serve(path.resolve(dir));
        const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
        const r = await checkPage(browser, `http://127.0.0.1:${server.address().port}`, file, null);
        await browser.close();
        server.close();
        const caught = r.problems.some((p) => p.includes(expected));
        console.log(`self-test ${what}: ${caught ? "caught" : "MISSED"} (${r.problems[0] || "no problem reported"})`);
        if (!caught) failures.push(what);
    }
    return failures;
}

// A book served elsewhere (`cargo xtask serve`): the page shows WORD and the search finds it there.
async function live(base, stem, word) {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
    try {
        const r = await checkPage(browser, base, `${stem}.html`, null);
        const problems = r.problems.filter((p) => !p.includes("__livereload"));
        const { links, page } = await search(browser, base, word);
        if (page) await page.close();
        if (!links.some((l) => l.includes(stem))) problems.push(`search ${word} does not find ${stem} (got ${links.join(", ")})`);
        console.log(`live: ${stem}.html served, search ${word}: ${links.length} results`);
        return problems;
    } finally {
        await browser.close();
    }
}

const args = process.argv.slice(2);
if (args[0] === "--live") {
    const problems = await live(args[1], args[2], args[3]);
    for (const p of problems) console.log(`  ${p}`);
    console.log(`${problems.length ? 0 : 1} passed, ${problems.length ? 1 : 0} failed (${problems.length} problems)`);
    process.exit(problems.length ? 1 : 0);
} else if (args[0] === "--self-test") {
    const failures = await selfTest(args[1], args[2]);
    console.log(`${3 - failures.length} passed, ${failures.length} failed`);
    process.exit(failures.length ? 1 : 0);
} else {
    const problems = await check(args[0], args[1]);
    for (const p of problems) console.log(`  ${p}`);
    console.log(`${problems.length ? 0 : 1} passed, ${problems.length ? 1 : 0} failed (${problems.length} problems)`);
    process.exit(problems.length ? 1 : 0);
}
