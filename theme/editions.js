// The language switch: a link in the toolbar to the same page in the other edition. The
// Chinese edition is the site's root and the English one its folder `en/` (see
// preprocessors/editions.py); every page exists in both, under the same name.
(function () {
    "use strict";
    const bar = document.querySelector(".right-buttons");
    if (!bar || typeof path_to_root !== "string") {
        return;
    }
    const english = document.documentElement.lang === "en";
    // The page's path inside its edition: what is left of the URL after the edition's root.
    const here = new URL(document.baseURI);
    const root = new URL(path_to_root || "./", here);
    const page = here.pathname.slice(root.pathname.length) || "index.html";
    const other = new URL(english ? "../" + page : "en/" + page, root);
    const link = document.createElement("a");
    link.id = "edition-switch";
    link.className = "edition-switch";
    link.href = other.href;
    link.hreflang = english ? "zh-CN" : "en";
    link.lang = english ? "zh-CN" : "en";
    link.textContent = english ? "中文" : "English";
    link.title = english ? "本页的中文版" : "This page in English";
    bar.insertBefore(link, bar.firstChild);
})();
