// The service calendar: the month view shows when the PIS is active; a coordinator adds a
// closure for Rho from its page and sees the month change.
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

test("a coordinator closes Rho for a strike and the month view shows the PIS all day", async () => {
  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(server.url + "/calendario?mese=2026-12");
  assert.equal(await page.locator("h1").innerText(), "Calendario del servizio");
  const table = page.locator("table.calendar");
  assert.match(await table.innerText(), /PIS tutto il giorno · Natale/);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "calendario");

  await page.getByRole("link", { name: "Rho" }).click();
  await page.waitForURL((u) => u.pathname === "/calendario/015182");
  assert.equal(await page.locator("h1").innerText(), "Calendario di Rho");
  assert.deepEqual(await seriousViolations(page), [], "edit page");
  // A closure without its reason is refused, naming the field; the form keeps the date.
  await page.fill("#date", "2026-12-07");
  await page.getByRole("button", { name: "Aggiungi la chiusura" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".alert-danger").innerText(), /Motivo: campo obbligatorio/);
  assert.equal(await page.inputValue("#date"), "2026-12-07");
  assert.deepEqual(await seriousViolations(page), [], "refused closure");
  await page.fill("#reason", "Sciopero generale");
  await page.getByRole("button", { name: "Aggiungi la chiusura" }).click();
  await page.waitForURL((u) => u.searchParams.get("fatto") === "chiusura");
  assert.match(await page.locator("main").innerText(), /Chiusura aggiunta/);
  await screenshot(page, "calendario-comune");

  await page.goto(server.url + "/calendario?mese=2026-12");
  assert.match(await table.innerText(), /PIS tutto il giorno · Sciopero generale/);
  assert.deepEqual(problems, []);
  await close();
});

test("on a 390 px phone the month view scrolls inside its own region", async () => {
  const { page, problems, close } = await openPage(browser, server.url, { width: 390, height: 844 });
  await logIn(page, server.url, USERS.centrale);
  await page.goto(server.url + "/calendario");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  assert.deepEqual(await seriousViolations(page), []);
  // Operators read the calendar but do not edit it.
  assert.equal(await page.locator("table.calendar a").count(), 0);
  assert.deepEqual(problems, []);
  await close();
});
