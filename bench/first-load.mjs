// Weight of the field view on a poor connection: the bytes that cross the network (compressed,
// as sent) for the field view's first load with an empty cache, and for a later page with the
// cache warm, measured in Debian's chromium through the DevTools protocol. Uses the browser
// tests' packages and helpers.
//
//   cargo build --release && node bench/first-load.mjs      (DETAIL=1: each resource)
import { startPresidio, launchBrowser, logIn, api, USERS } from "../e2e/support.mjs";

process.env.PRESIDIO_BIN ||= `${process.env.CARGO_TARGET_DIR || "target"}/release/presidio`;
const server = await startPresidio();
const browser = await launchBrowser();
try {
  const me = await api(server.url, USERS.campo, "GET", "/api/v1/me");
  const now = Date.now();
  await api(server.url, USERS.coordinatore, "POST", "/api/v1/roster/shifts", {
    role: "pronto_intervento", user_id: me.id, phone: "+39 333 765 4321",
    start: new Date(now - 3600_000).toISOString(), end: new Date(now + 8 * 3600_000).toISOString(),
  });
  const report = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "carabinieri", organization: "Stazione di Rho" },
    municipality: "015182", target_group: "senza_dimora", persons: [{ role: "beneficiario", sex: "M", age: 61 }],
    description: "Uomo al freddo",
  });
  await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${report.id}/triage`, {
    outcome: "emergenza", rationale: "Notte sotto zero", criteria: ["pericolo_immediato"],
  });
  await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${report.id}/dispatches`, {});

  // Without the service worker, which would serve the assets from its own cache.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "it-IT", serviceWorkers: "block" });
  const page = await context.newPage();
  await logIn(page, server.url, USERS.campo);
  // An empty cache for the measured load: the login page's assets do not count.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.clearBrowserCache");
  const measure = async (path) => {
    const sizes = new Map();
    const urls = new Map();
    const onRequest = (e) => urls.set(e.requestId, e.request.url.replace(server.url, ""));
    const onDone = (e) => sizes.set(e.requestId, e.encodedDataLength);
    cdp.on("Network.requestWillBeSent", onRequest);
    cdp.on("Network.loadingFinished", onDone);
    await page.goto(server.url + path, { waitUntil: "networkidle" });
    cdp.off("Network.requestWillBeSent", onRequest);
    cdp.off("Network.loadingFinished", onDone);
    if (process.env.DETAIL) {
      for (const [id, n] of [...sizes].sort((a, b) => b[1] - a[1])) console.log(`  ${(n / 1024).toFixed(1)} KB ${urls.get(id)}`);
    }
    return [...sizes.values()].reduce((a, b) => a + b, 0);
  };
  const first = await measure("/campo");
  const later = await measure("/campo");
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(`field view, first load (empty cache): ${kb(first)} KB over the network`);
  console.log(`field view, next load (warm cache): ${kb(later)} KB over the network`);
} finally {
  await browser.close();
  await server.stop();
}
