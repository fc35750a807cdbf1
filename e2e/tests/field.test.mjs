// Dispatch and field work: the call-taker alerts the operator on call from the report page; the
// operator, on a 390 px phone, acknowledges, sets off, arrives, finds a bed and confirms it. With
// a second case dispatched to the same operator, the bed goes to the case whose search found it.
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

/** The roster puts the field operator on call now; a dormitory has two beds. */
async function setUp() {
  const me = await api(server.url, USERS.campo, "GET", "/api/v1/me");
  const now = Date.now();
  await api(server.url, USERS.coordinatore, "POST", "/api/v1/roster/shifts", {
    role: "pronto_intervento", user_id: me.id, phone: "+39 333 765 4321",
    start: new Date(now - 3600_000).toISOString(), end: new Date(now + 8 * 3600_000).toISOString(),
  });
  await api(server.url, USERS.coordinatore, "POST", "/api/v1/resources", {
    kind: "dormitorio", name: "Casa Itaca", provider: "Cooperativa Sociale", address: "Via dei Mille 3, Rho",
    confidentiality: "pubblico", capacity: 2, unit: "posti_letto", contact: "02 930 0000", tariff: "35,50",
  });
  await api(server.url, USERS.coordinatore, "POST", "/api/v1/resources", {
    kind: "casa_rifugio", name: "Casa Girasole", provider: "CAV", address: "Via Segreta 7, Rho",
    confidentiality: "protetto", capacity: 2, unit: "posti_letto", contact: "1522", tariff: "0",
  });
  const report = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono",
    reporter: { kind: "carabinieri", organization: "Stazione di Rho", phone: "02 9330 1234" },
    municipality: "015182", current_location: "Stazione di Rho, binario 1", target_group: "senza_dimora",
    persons: [{ role: "beneficiario", sex: "M", age: 61 }],
    description: "Uomo al freddo sulla banchina",
  });
  await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${report.id}/triage`, {
    outcome: "emergenza", rationale: "Notte sotto zero, nessuna rete", criteria: ["pericolo_immediato"],
  });
  return report;
}

test("on a phone, an emergency goes from the alert to a confirmed bed", async () => {
  const report = await setUp();
  // The call-taker alerts the operator on call, who is chosen already.
  const desk = await openPage(browser, server.url);
  await logIn(desk.page, server.url, USERS.centrale);
  await desk.page.goto(`${server.url}/segnalazioni/${report.id}`);
  assert.match(await desk.page.locator("#operator_id option:checked").innerText(), /Operatore di turno \(Paolo Pronto\)/);
  await desk.page.getByRole("button", { name: "Allerta l'operatore" }).click();
  await desk.page.locator(".dispatch", { hasText: "Allertato da" }).waitFor();

  // The operator's phone: the board says so; the field view takes over.
  const { page, problems, close } = await openPage(browser, server.url, PHONE);
  await logIn(page, server.url, USERS.campo);
  await page.goto(server.url + "/");
  await page.getByRole("link", { name: `Sei stato allertato per ${report.code}: apri la vista di campo` }).click();
  await page.waitForURL((u) => u.pathname === "/campo");
  assert.deepEqual(await seriousViolations(page), []);
  assert.equal(await page.getByRole("link", { name: /Chiama chi ha segnalato/ }).getAttribute("href"), "tel:0293301234");
  // Each tap is sent by the page's script, which then reloads the view.
  for (const step of ["Ricevuto, me ne occupo", "Parto ora", "Arrivato sul posto"]) {
    const loaded = page.waitForEvent("load");
    await page.getByRole("button", { name: step }).click();
    await loaded;
  }
  const view = await page.locator("main").innerText();
  assert.match(view, /Sul posto da \d+ min/);
  assert.match(view, /Prossimo check-in entro le \d\d:\d\d/);
  // The desk sees it on the board without reloading.
  await desk.page.goto(server.url + "/");
  await desk.page.locator("#board-rows", { hasText: "Sul posto da" }).waitFor();

  // A second emergency, a minor at the Carabinieri station, is dispatched to the same operator.
  const minor = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "carabinieri", organization: "Stazione di Rho" },
    municipality: "015182", target_group: "msna", persons: [{ role: "beneficiario", sex: "M", age: 16 }],
    description: "Ragazzo solo in caserma",
  });
  await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${minor.id}/triage`, {
    outcome: "emergenza", rationale: "Minore solo di notte", criteria: ["pericolo_immediato"],
  });
  await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${minor.id}/dispatches`, {});
  await page.goto(server.url + "/campo");
  assert.equal(await page.getByRole("button", { name: /Blocca un posto/ }).count(), 0, "no case chosen yet");

  // Look for a bed in the homeless man's case, hold it, confirm it.
  const homeless = page.locator(`#caso-${report.id}`);
  await homeless.getByLabel("Nome, tipo o comune").fill("itaca");
  await homeless.getByRole("button", { name: "Cerca" }).click();
  await page.waitForURL((u) => u.searchParams.get("caso") === String(report.id));
  const found = await homeless.innerText();
  assert.match(found, /Casa Itaca/);
  assert.doesNotMatch(found, /Via Segreta|Struttura protetta/, "the search kept only what was asked");
  assert.equal(await page.getByRole("button", { name: /Blocca un posto/ }).count(), 1);
  await page.getByRole("button", { name: `Blocca un posto per ${report.code}: Casa Itaca` }).click();
  await page.waitForURL((u) => u.pathname === "/campo");
  await homeless.getByRole("button", { name: "Conferma", exact: true }).click();
  await page.waitForURL((u) => u.pathname === "/campo");
  assert.match(await homeless.innerText(), /Casa Itaca: confermato/);
  assert.doesNotMatch(await page.locator(`#caso-${minor.id}`).innerText(), /Casa Itaca/);
  const held = await api(server.url, USERS.coordinatore, "GET", `/api/v1/reports/${minor.id}/activations`);
  assert.deepEqual(held, [], "nothing was booked on the minor's case");
  // Everything fits the phone's width; the screen passes axe; the protected address is nowhere.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no sideways scrolling");
  assert.doesNotMatch(await page.content(), /Via Segreta/);
  assert.deepEqual(await seriousViolations(page), []);
  await page.getByRole("button", { name: "Check-in: tutto bene" }).scrollIntoViewIfNeeded();
  await screenshot(page, "campo");
  assert.deepEqual(problems, []);
  assert.deepEqual(desk.problems, []);
  await close();
  await desk.close();
});
