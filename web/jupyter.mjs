// The notebooks in JupyterLab, in a real browser, as a reader runs them.
//
//   node web/jupyter.mjs PYTHON NOTEBOOK_DIR SHOTS_DIR NAME.ipynb...
//
// Starts `PYTHON -m jupyter lab` (token-less, on 127.0.0.1, in NOTEBOOK_DIR, a scratch copy
// of the notebooks: JupyterLab saves into it), then for each notebook: opens it in
// Debian's Chromium (driven by playwright-core), clicks Run ▸ Run All Cells, waits until
// every code cell has run, saves it, and checks what the page shows: no error or stderr
// output, one drawn SVG per figure cell, no pop-up (the news prompt is switched off in the
// settings `cargo xtask jupyter` writes: xtask/py/jupyterlab-overrides.json and
// jupyter_server_config.json), no request outside localhost. A screenshot of each
// notebook goes to SHOTS_DIR. What each cell printed is then checked against the text the
// book shows by `xtask/py/execute_notebooks.py --check` on the saved copies.
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"];
// The first cell compiles the book's crate: minutes on a cold machine.
const NOTEBOOK_TIMEOUT_MS = Number(process.env.BOOK_LAB_TIMEOUT_S ?? 1200) * 1000;

function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

async function startLab(python, dir, state) {
    const port = await freePort();
    // A fresh workspace and user settings under STATE_DIR: a layout restored from an
    // earlier run (or the reader's ~/.jupyter) must not change what the test sees.
    fs.rmSync(state, { recursive: true, force: true });
    const args = ["-m", "jupyter", "lab", "--no-browser", "--allow-root", `--port=${port}`,
        "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True", `--ServerApp.root_dir=${dir}`,
        `--LabApp.workspaces_dir=${path.join(state, "workspaces")}`,
        `--LabApp.user_settings_dir=${path.join(state, "user-settings")}`];
    const lab = spawn(python, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let log = "";
    lab.stdout.on("data", (d) => { log += d; });
    lab.stderr.on("data", (d) => { log += d; });
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
        if (lab.exitCode !== null) throw new Error(`jupyter lab exited (${lab.exitCode}):\n${log}`);
        try {
            if ((await fetch(`${base}/api/status`)).ok) return { lab, base, log: () => log };
        } catch { /* not listening yet */ }
        await new Promise((r) => setTimeout(r, 500));
    }
    lab.kill();
    throw new Error(`jupyter lab did not answer on ${base} within 120 s:\n${log}`);
}

// Waits until the kernel has stopped working through the queue: no cell shows "[*]:" and
// the kernel is idle for a few seconds in a row. Returns the seconds taken and the number
// of code cells that never ran (a cell that fails stops Run All there).
async function waitForRunAll(page, name) {
    const started = Date.now();
    let quiet = 0;
    while (Date.now() - started < NOTEBOOK_TIMEOUT_MS) {
        const state = await page.evaluate(() => {
            const prompts = [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt")]
                .map((p) => p.textContent.trim());
            const indicator = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator");
            return {
                total: prompts.length,
                done: prompts.filter((p) => /^\[\d+\]:$/.test(p)).length,
                queued: prompts.filter((p) => p === "[*]:").length,
                idle: indicator?.dataset.status === "idle",
            };
        });
        quiet = state.queued === 0 && state.idle && state.done > 0 ? quiet + 1 : 0;
        if (state.queued === 0 && state.done === 0 && Date.now() - started > 60_000) {
            throw new Error(`${name}: Run All started no cell within 60 s (${JSON.stringify(state)})`);
        }
        if (quiet >= 3) return { seconds: (Date.now() - started) / 1000, unrun: state.total - state.done };
        await page.waitForTimeout(1000);
    }
    throw new Error(`${name}: the cells were still running after ${NOTEBOOK_TIMEOUT_MS / 1000} s`);
}

async function shutDownKernels(base) {
    const sessions = await (await fetch(`${base}/api/sessions`)).json();
    await Promise.all(sessions.map((s) => fetch(`${base}/api/sessions/${s.id}`, { method: "DELETE" })));
}

async function runNotebook(browser, base, dir, shots, name) {
    const problems = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
    const page = await context.newPage();
    await context.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === "127.0.0.1" || url.protocol === "data:" || url.protocol === "blob:") return route.continue();
        problems.push(`${name}: requested ${url.href} (offline book: nothing outside localhost)`);
        return route.abort();
    });
    // A workspace of its own, reset: only this notebook is open, not the ones before it.
    const workspace = name.replace(/\.ipynb$/, "").replace(/[^\w-]/g, "-");
    await page.goto(`${base}/lab/workspaces/${workspace}/tree/${encodeURIComponent(name)}?reset`);
    await page.waitForSelector(".jp-NotebookPanel .jp-Notebook .jp-Cell", { timeout: 120_000 });
    // Run All before the page has connected to its kernel opens a "Select Kernel" dialog
    // (the toolbar says idle before any kernel exists): wait until the server reports this
    // notebook's kernel idle with the page connected to it.
    const connectedBy = Date.now() + 120_000;
    for (;;) {
        const sessions = await (await fetch(`${base}/api/sessions`)).json();
        const kernel = sessions.find((s) => s.path === name)?.kernel;
        if (kernel?.execution_state === "idle" && kernel.connections > 0) break;
        if (Date.now() > connectedBy) throw new Error(`${name}: its kernel did not start within 120 s (${JSON.stringify(kernel)})`);
        await page.waitForTimeout(500);
    }
    await page.waitForSelector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']", { timeout: 120_000 });
    await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
    await page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click();
    const { seconds, unrun } = await waitForRunAll(page, name);
    if (unrun > 0) problems.push(`${name}: ${unrun} code cells never ran (Run All stops at a failing cell)`);
    await page.locator(".lm-MenuBar-itemLabel", { hasText: /^File$/ }).click();
    await page.locator("li.lm-Menu-item[data-command='docmanager:save']").first().click();
    // Saved when the file on disk holds the last code cell's execution count.
    const file = path.join(dir, name);
    const savedBy = Date.now() + 30_000;
    const codeCells = () => JSON.parse(fs.readFileSync(file, "utf8")).cells.filter((c) => c.cell_type === "code");
    const ran = () => codeCells().filter((c) => c.execution_count !== null).length;
    const wanted = codeCells().length - unrun;
    while (Date.now() < savedBy && ran() < wanted) {
        await page.waitForTimeout(500);
    }
    if (ran() < wanted) problems.push(`${name}: the saved copy lacks outputs`);
    const shown = await page.evaluate(() => ({
        stderr: [...document.querySelectorAll(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")].map((e) => e.textContent.slice(0, 300)),
        errors: [...document.querySelectorAll(".jp-OutputArea-output .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")].map((e) => e.textContent.slice(0, 300)),
        svgs: document.querySelectorAll(".jp-OutputArea-output.jp-RenderedSVG svg, .jp-OutputArea-output.jp-RenderedSVG img, .jp-RenderedSVG img").length,
        dialogs: [...document.querySelectorAll(".jp-Dialog, .Toastify__toast")].map((e) => e.textContent.slice(0, 200)),
    }));
    const figures = codeCells().filter((c) => c.metadata?.book?.expected_display === "image/svg+xml").length;
    for (const e of shown.stderr) problems.push(`${name}: the page shows stderr output: ${e}`);
    for (const e of shown.errors) problems.push(`${name}: the page shows an error: ${e}`);
    for (const d of shown.dialogs) problems.push(`${name}: a pop-up is open: ${d}`);
    if (shown.svgs < figures) problems.push(`${name}: ${shown.svgs} SVG figures shown, ${figures} expected`);
    await page.screenshot({ path: path.join(shots, name.replace(/\.ipynb$/, ".png")) });
    // Close without leaving the kernel running: the next notebook reuses the build, not the kernel.
    await shutDownKernels(base);
    await context.close();
    console.log(`jupyterlab ${name}: ${codeCells().length} code cells ran in ${seconds.toFixed(1)} s, ${shown.svgs} figures shown ... ${problems.length ? "FAILED" : "ok"}`);
    return problems;
}

const [python, dir, shots, ...names] = process.argv.slice(2);
if (!python || !dir || !shots || names.length === 0) {
    console.error("usage: node web/jupyter.mjs PYTHON NOTEBOOK_DIR SHOTS_DIR NAME.ipynb...");
    process.exit(2);
}
fs.mkdirSync(shots, { recursive: true });
const { lab, base, log } = await startLab(python, path.resolve(dir), path.resolve(dir, "..", "lab-state"));
const problems = [];
let browser;
try {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: FLAGS });
    for (const name of names) {
        try {
            problems.push(...await runNotebook(browser, base, path.resolve(dir), shots, name));
        } catch (e) {
            problems.push(`${name}: ${e.message}`);
            for (const context of browser.contexts()) {
                for (const page of context.pages()) {
                    await page.screenshot({ path: path.join(shots, name.replace(/\.ipynb$/, "-failed.png")) }).catch(() => {});
                }
                await context.close().catch(() => {});
            }
            await shutDownKernels(base).catch(() => {});
        }
    }
} catch (e) {
    problems.push(`the browser did not start: ${e.message}`);
} finally {
    await browser?.close();
    lab.kill();
}
for (const p of problems) console.log(`  ${p}`);
if (problems.length && process.env.BOOK_LAB_LOG) console.log(log());
console.log(`jupyterlab: ${names.length} notebooks, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
