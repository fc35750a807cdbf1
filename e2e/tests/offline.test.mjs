// The field view without network, on a 390 px phone: offline, the operator taps a check-in and
// writes a diary note; the view says "2 azioni in attesa di invio"; online again, both are sent,
// and the Centrale's board shows each exactly once with the tap times; sending the same request
// again creates nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPresidio, launchBrowser, openPage, seriousViolations, screenshot, logIn, api, USERS } from "../support.mjs";

let server;
let browser;

before(async () => {
  server = await startPresidio();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const PHONE = { width: 390, height: 844 };

/** An emergency the operator on call has reached. */
async function onSite() {
  const me = await api(server.url, USERS.campo, "GET", "/api/v1/me");
  const now = Date.now();
  await api(server.url, USERS.coordinatore, "POST", "/api/v1/roster/shifts", {
    role: "pronto_intervento", user_id: me.id, phone: "+39 333 765 4321",
    start: new Date(now - 3600_000).toISOString(), end: new Date(now + 8 * 3600_000).toISOString(),
  });
  const report = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "polizia_locale", organization: "Polizia locale di Pogliano" },
    municipality: "015176", current_location: "Strada vicinale tra Pogliano e Vanzago", target_group: "senza_dimora",
    persons: [{ role: "beneficiario", sex: "M", age: 58 }], description: "Uomo in un casolare, senza riscaldamento",
  });
  await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${report.id}/triage`, {
    outcome: "emergenza", rationale: "Notte sotto zero, nessun riparo", criteria: ["pericolo_immediato"],
  });
  let d = await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${report.id}/dispatches`, {});
  for (const step of ["acknowledge", "arrive"]) {
    d = await api(server.url, USERS.campo, "POST", `/api/v1/dispatches/${d.id}/steps`, { step, version: d.version });
  }
  return report;
}

test("offline on a phone, a check-in and a note wait on the device and arrive once", async () => {
  const report = await onSite();
  const { page, problems, close } = await openPage(browser, server.url, PHONE);
  await logIn(page, server.url, USERS.campo);
  await page.goto(server.url + "/campo");
  const sent = [];
  page.on("requestfinished", (r) => {
    if (r.url().endsWith("/campo/invio")) sent.push({ body: r.postData(), headers: r.headers() });
  });

  // A light page: the UI kit's script comes with the first tap on the menu, which then opens.
  assert.equal(await page.evaluate(() => Boolean(window.bootstrap)), false);
  await page.getByRole("button", { name: "Apri o chiudi il menu" }).first().click();
  await page.locator("#main-nav .nav-link").first().waitFor({ state: "visible" });
  assert.equal(await page.evaluate(() => Boolean(window.bootstrap)), true);
  await page.keyboard.press("Escape");
  await page.goto(server.url + "/campo");

  // Installable: the manifest names the field view as its start; the service worker takes
  // the page and keeps the last field view.
  const manifest = await page.evaluate(async () => {
    const link = document.querySelector("link[rel=manifest]");
    return (await fetch(link.href)).json();
  });
  assert.equal(manifest.start_url, "/campo");
  assert.equal(manifest.display, "standalone");
  assert.equal(manifest.lang, "it-IT");
  for (const icon of manifest.icons) {
    assert.equal((await page.request.get(server.url + icon.src)).status(), 200, icon.src);
  }
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  assert.equal(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)), true);

  await page.context().setOffline(true);
  // Opened again without network: the last known cases.
  await page.reload();
  assert.match(await page.locator("main").innerText(), new RegExp(report.code));
  // (The emulated network forgets a reload's offline state: set it again.)
  await page.context().setOffline(false);
  await page.context().setOffline(true);
  const status = page.locator("#field-queue-status");
  await status.filter({ hasText: "Senza rete" }).waitFor();
  await page.getByRole("button", { name: "Check-in: tutto bene" }).click();
  await status.filter({ hasText: "1 azione in attesa di invio" }).waitFor();
  const card = page.locator(`#caso-${report.id}`);
  await card.getByLabel("Testo").fill("Sta bene, ha accettato una coperta");
  await card.getByRole("button", { name: "Salva la nota" }).click();
  await status.filter({ hasText: "2 azioni in attesa di invio" }).waitFor();
  const queue = await page.locator("#field-queue-list").innerText();
  const taps = [...queue.matchAll(/ora del telefono (\d\d:\d\d)/g)].map((m) => m[1]);
  assert.equal(taps.length, 2, queue);
  assert.equal(await card.getByLabel("Testo").inputValue(), "", "the note left the box for the queue");
  assert.deepEqual(await seriousViolations(page), []);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no sideways scrolling");
  await screenshot(page, "campo-senza-rete");

  // The network is back: both are sent, in order, and the view reloads with them.
  const reloaded = page.waitForEvent("load");
  await page.context().setOffline(false);
  await reloaded;
  await page.waitForURL((u) => u.pathname === "/campo");
  assert.equal(sent.length, 2);
  assert.equal(await status.isHidden(), true);
  assert.equal(await page.locator("#field-queue-list li").count(), 0);

  // The Centrale's board: each once, at the tap's time.
  const desk = await openPage(browser, server.url);
  await logIn(desk.page, server.url, USERS.centrale);
  await desk.page.goto(server.url + "/");
  const board = await desk.page.locator("#board-rows").innerText();
  assert.equal(board.match(/Dal campo, senza rete/g)?.length, 2, board);
  assert.equal(board.match(new RegExp(`Check-in: tutto bene alle ${taps[0]}`, "g"))?.length, 1, board);
  assert.equal(board.match(new RegExp(`Nota veloce nel diario alle ${taps[1]}`, "g"))?.length, 1, board);

  // The same request sent again (the phone did not hear the answer): nothing new.
  const again = await page.evaluate(async ({ body, headers }) => {
    const r = await fetch("/campo/invio", {
      method: "POST", credentials: "same-origin", body,
      headers: { "content-type": "application/json", "x-csrf-token": headers["x-csrf-token"], "idempotency-key": headers["idempotency-key"] },
    });
    return { status: r.status, replayed: r.headers.get("idempotent-replayed") };
  }, sent[1]);
  assert.deepEqual(again, { status: 204, replayed: "true" });
  await desk.page.reload();
  const after = await desk.page.locator("#board-rows").innerText();
  assert.equal(after.match(/Dal campo, senza rete/g)?.length, 2, after);
  const reportPage = await desk.page.goto(`${server.url}/segnalazioni/${report.id}`);
  assert.equal(reportPage.status(), 200);
  const diary = await desk.page.locator("main").innerText();
  assert.equal(diary.match(/Sta bene, ha accettato una coperta/g)?.length, 1, diary);
  assert.deepEqual(problems, []);
  assert.deepEqual(desk.problems, []);
  await close();
  await desk.close();
});

test("the field view offers notifications to a phone that gets none, and subscribes it from the keyboard", async () => {
  const { generateKeyPairSync, randomBytes } = await import("node:crypto");
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
  const raw = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")]);
  const device = { p256dh: raw.toString("base64url"), auth: randomBytes(16).toString("base64url") };
  const { page, problems, close } = await openPage(browser, server.url, PHONE);
  await page.context().grantPermissions(["notifications"]);
  // The browser's push service is not reachable from here: it answers with a device of its own.
  await page.addInitScript((device) => {
    PushManager.prototype.subscribe = async () => ({
      toJSON: () => ({ endpoint: "https://push.example.it/dispositivo-1", keys: device }),
    });
  }, device);
  const scripts = [];
  page.on("request", (r) => r.resourceType() === "script" && scripts.push(new URL(r.url()).pathname));
  await logIn(page, server.url, USERS.campo);
  await page.goto(server.url + "/campo");
  const offer = page.locator("#push-subscribe");
  await offer.waitFor({ state: "visible" });
  assert.ok(!scripts.some((s) => s.startsWith("/push")), "push.js comes with the first tap only");
  assert.deepEqual(await seriousViolations(page), []);
  await page.getByRole("button", { name: "Ricevi le notifiche su questo dispositivo" }).focus();
  await page.keyboard.press("Enter");
  await offer.waitFor({ state: "hidden" });
  const mine = await api(server.url, USERS.campo, "GET", "/api/v1/push/subscriptions");
  assert.equal(mine.items.length, 1, JSON.stringify(mine));
  assert.equal(mine.items[0].label, "Telefono di servizio");
  for (const item of mine.items) await api(server.url, USERS.campo, "DELETE", `/api/v1/push/subscriptions/${item.id}`, undefined, [204]);
  assert.deepEqual(problems, []);
  await close();
});
