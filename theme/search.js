// Search that finds Chinese: a Pagefind index of the built book (made by
// `pagefind_extended`, which segments Chinese words), shown in a dialog.
// Opens with the toolbar button, or with `s` or `/` as mdBook's own search did.
// Pagefind's files are loaded only when the dialog first opens. One index serves both
// editions (Pagefind keeps one per `<html lang>`, and searches the page's own); it lives
// at the site's root, which for an English page is one folder up (see editions.js).
(function () {
    "use strict";
    const english = document.documentElement.lang === "en";
    const root = (typeof path_to_root === "string" ? path_to_root : "") + (english ? "../" : "");
    const bar = document.querySelector(".left-buttons");
    if (!bar) {
        return;
    }

    const button = document.createElement("button");
    button.id = "book-search-toggle";
    button.className = "icon-button";
    button.type = "button";
    button.title = english ? "Search (S or /)" : "搜索（S 或 /）";
    button.setAttribute("aria-label", english ? "Search the book" : "搜索全书");
    button.setAttribute("aria-keyshortcuts", "s /");
    button.innerHTML = '<span class="fa-svg"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><path d="M416 208c0 45.9-14.9 88.3-40 122.7L502.6 457.4c12.5 12.5 12.5 32.8 0 45.3s-32.8 12.5-45.3 0L330.7 376c-34.4 25.2-76.8 40-122.7 40C93.1 416 0 322.9 0 208S93.1 0 208 0S416 93.1 416 208zM208 352c79.5 0 144-64.5 144-144s-64.5-144-144-144S64 128.5 64 208s64.5 144 144 144z"/></svg></span>';
    bar.appendChild(button);

    const dialog = document.createElement("dialog");
    dialog.id = "book-search";
    dialog.setAttribute("aria-label", english ? "Search" : "搜索");
    dialog.innerHTML = '<div id="book-search-ui"></div>';
    document.body.appendChild(dialog);

    let ready = null;
    function load() {
        if (ready) {
            return ready;
        }
        const css = document.createElement("link");
        css.rel = "stylesheet";
        css.href = root + "pagefind/pagefind-ui.css";
        document.head.appendChild(css);
        ready = new Promise(function (resolve, reject) {
            const script = document.createElement("script");
            script.src = root + "pagefind/pagefind-ui.js";
            script.onload = function () {
                new PagefindUI({
                    element: "#book-search-ui",
                    // An absolute URL: Pagefind import()s from it, where a relative path
                    // would be read as a bare module name.
                    bundlePath: new URL(root + "pagefind/", document.baseURI).href,
                    showImages: false,
                    showSubResults: true,
                    resetStyles: false,
                });
                resolve();
            };
            script.onerror = function () {
                reject(new Error("no search index: build the book with `cargo xtask build`"));
            };
            document.head.appendChild(script);
        });
        return ready;
    }

    function open() {
        if (!dialog.open) {
            dialog.showModal();
        }
        load().then(function () {
            const input = dialog.querySelector("input");
            if (input) {
                input.focus();
                input.select();
            }
        }, function (error) {
            dialog.querySelector("#book-search-ui").textContent = error.message;
        });
    }

    button.addEventListener("click", open);
    // A click on the backdrop (outside the dialog's box) closes it.
    dialog.addEventListener("click", function (event) {
        if (event.target === dialog) {
            dialog.close();
        }
    });
    document.addEventListener("keydown", function (event) {
        if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing || dialog.open) {
            return;
        }
        const target = event.target;
        const editing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
        if (!editing && (event.key === "s" || event.key === "S" || event.key === "/")) {
            event.preventDefault();
            open();
        }
    });
})();
