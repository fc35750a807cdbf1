// The resource directory: a coordinator records a dormitory and a protected shelter; a
// call-taker sees the free beds, never the shelter's address, and updates the dormitory.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPresidio, launchBrowser, openPage, seriousViolations, screenshot, logIn, USERS } from "../support.mjs";

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

async function addResource(page, { kind, name, address, level, capacity }) {
  await page.selectOption("#kind", { label: kind });
  await page.fill("#name", name);
  await page.fill("#provider", "Cooperativa Sociale");
  await page.fill("#address", address);
  await page.selectOption("#confidentiality", { label: level });
  await page.fill("#capacity", capacity);
  await page.selectOption("#unit", { label: "posti letto" });
  await page.fill("#contact", "02 930 0000");
  await page.fill("#tariff", "35,50");
  await page.getByRole("button", { name: "Aggiungi la risorsa" }).click();
  await page.waitForURL((u) => u.searchParams.get("fatto") === "aggiunta");
}

test("free beds on the board, protected addresses hidden, availability kept by the call-taker", async () => {
  const coordinator = await openPage(browser, server.url);
  await logIn(coordinator.page, server.url, USERS.coordinatore);
  await coordinator.page.goto(server.url + "/risorse");
  await addResource(coordinator.page, {
    kind: "Dormitorio o accoglienza notturna", name: "Casa Itaca", address: "Via dei Mille 3, Rho",
    level: "Visibile a tutti", capacity: "12",
  });
  await addResource(coordinator.page, {
    kind: "Casa rifugio (struttura protetta)", name: "Casa delle donne", address: "Via Segreta 7",
    level: "Visibile a tutti", capacity: "4",
  });
  assert.match(await coordinator.page.locator("main").innerText(), /Via Segreta 7/);
  await coordinator.close();

  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.centrale);
  await page.goto(server.url + "/risorse");
  const main = await page.locator("main").innerText();
  assert.match(main, /12 liberi su 12/);
  assert.doesNotMatch(main, /Via Segreta 7/);
  assert.match(main, /Indirizzo riservato/);
  await page.fill("#free-1", "3");
  await page.getByRole("row", { name: /Casa Itaca/ }).getByRole("button", { name: "Aggiorna" }).click();
  await page.waitForURL((u) => u.searchParams.get("fatto") === "aggiornati");
  assert.match(await page.locator("#bed-board").innerText(), /3 liberi su 12/);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "risorse");
  assert.deepEqual(problems, []);
  await close();
});
