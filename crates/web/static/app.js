// Presidio: behaviour shared by every page. No inline scripts anywhere (CSP script-src 'self').
"use strict";

// A light page (the field view, on a poor connection) does not load the UI kit's script and htmx
// up front: the first tap on a menu or a dropdown loads the kit, and the tap then does what it
// would have done; the first focus on a live search loads htmx (without it, the search's button
// still searches).
const loadScript = (src) => new Promise((resolve, reject) => {
  const script = document.createElement("script");
  script.src = src;
  script.onload = resolve;
  script.onerror = reject;
  document.head.append(script);
});
(function () {
  const htmx = document.querySelector("meta[name='presidio-htmx']");
  if (!htmx) return;
  let loaded = null;
  document.addEventListener("focusin", (e) => {
    if (loaded || !e.target.closest || !e.target.closest("[hx-get]")) return;
    loaded = loadScript(htmx.content).catch(() => { loaded = null; });
  });
})();
(function () {
  const kit = document.querySelector("meta[name='presidio-kit']");
  if (!kit) return;
  let loading = null;
  document.addEventListener("click", (e) => {
    const trigger = e.target.closest && e.target.closest("[data-bs-toggle]");
    if (!trigger || window.bootstrap) return;
    e.preventDefault();
    e.stopPropagation();
    loading = loading || loadScript(kit.content);
    loading.then(() => trigger.click()).catch(() => { loading = null; });
  }, true);
})();

// The live board: refresh the rows when the server says a report changed, and every minute
// for the waiting times. The server renders the rows; nothing here builds HTML.
(function () {
  const rows = document.getElementById("board-rows");
  if (!rows) return;
  let pending = false;
  const refresh = () => {
    if (pending) return;
    pending = true;
    fetch(rows.dataset.boardRows, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const focused = document.activeElement && document.activeElement.closest("#board-rows") ? document.activeElement.textContent : null;
        rows.innerHTML = html;
        if (focused) {
          const again = Array.from(rows.querySelectorAll("a.board-link")).find((a) => a.textContent === focused);
          if (again) again.focus();
        }
      })
      .catch(() => {})
      .finally(() => { pending = false; });
  };
  const events = new EventSource(rows.dataset.boardEvents);
  events.addEventListener("board", refresh);
  setInterval(refresh, 60000);
})();

// Keyboard: N opens a new report, J/K move through the board's reports (not while typing).
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  const newReport = document.querySelector("a[aria-keyshortcuts='n']");
  if ((e.key === "n" || e.key === "N") && newReport) {
    e.preventDefault();
    window.location.href = newReport.getAttribute("href");
    return;
  }
  if (e.key === "j" || e.key === "k") {
    const links = Array.from(document.querySelectorAll("#board-rows a.board-link"));
    if (!links.length) return;
    const at = links.indexOf(document.activeElement);
    const next = e.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    e.preventDefault();
    links[at === -1 ? 0 : next].focus();
  }
});

// A print button (the night's contact sheet): no inline handlers under the CSP.
document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));

// R on the report page or the field view: to the first line of "Chi chiamo?", Enter dials.
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || (e.key !== "r" && e.key !== "R")) return;
  const t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  const first = document.querySelector("#chi-chiamo a.network-tel");
  if (!first) return;
  e.preventDefault();
  first.focus();
});

// A reporting partner chosen at intake fills in the reporter's kind, and the organisation when
// still empty (the server does the same when the script does not run).
document.querySelectorAll("select[data-partner]").forEach((select) => select.addEventListener("change", () => {
  const chosen = select.selectedOptions[0];
  if (!chosen || !chosen.dataset.kind) return;
  const kind = document.getElementById("reporter.kind");
  if (kind) kind.value = chosen.dataset.kind;
  const organisation = document.getElementById("reporter.organization");
  if (organisation && !organisation.value.trim()) organisation.value = chosen.dataset.name;
}));

// The service worker, for the field view alone (the field view without network, push
// notifications); signing out makes it forget the field view it kept.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/campo" }).catch(() => {});
  document.querySelectorAll("form[action='/uscita']").forEach((form) => form.addEventListener("submit", () => {
    navigator.serviceWorker.getRegistration("/campo").then((r) => r && r.active && r.active.postMessage("forget"));
  }));
}
