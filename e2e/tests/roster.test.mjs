// The on-call roster: a coordinator builds a week's rota, sees the gap flagged, fills it from
// the gap's own link and sees the flag go.
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

const WEEK = "2030-01-07";
const COORDINATOR = `${USERS.coordinatore.name} (${USERS.coordinatore.username})`;
const OPERATOR = `${USERS.centrale.name} (${USERS.centrale.username})`;

async function addShift(page, role, person, start, end) {
  await page.selectOption("#role", { label: role });
  await page.selectOption("#user_id", { label: person });
  await page.fill("#phone", "+39 333 123 4567");
  await page.fill("#start", start);
  await page.fill("#end", end);
  await page.getByRole("button", { name: "Aggiungi il turno" }).click();
  await page.waitForURL((u) => u.searchParams.get("fatto") === "aggiunto");
}

test("a week's rota with a hole on Saturday shows the gap until it is covered", async () => {
  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(`${server.url}/turni?settimana=${WEEK}`);
  assert.equal(await page.locator("h1").innerText(), "Turni di reperibilità");
  assert.equal(await page.locator("#roster-gaps li").count(), 3 * 6, "every role, every night and the weekend");
  assert.deepEqual(await seriousViolations(page), []);

  await addShift(page, "Centrale", OPERATOR, "2030-01-07T00:00", "2030-01-14T00:00");
  await addShift(page, "Coordinatore reperibile", COORDINATOR, "2030-01-07T00:00", "2030-01-14T00:00");
  await addShift(page, "Pronto intervento", COORDINATOR, "2030-01-07T00:00", "2030-01-12T08:00");
  await addShift(page, "Pronto intervento", COORDINATOR, "2030-01-12T20:00", "2030-01-14T00:00");
  const gaps = page.locator("#roster-gaps li");
  assert.equal(await gaps.count(), 1);
  assert.match(await gaps.innerText(), /Pronto intervento: dal 12\/01\/2030 08:00 al 12\/01\/2030 20:00/);
  await screenshot(page, "turni");

  // The gap's link fills the form with its role and times; choose who covers it.
  await page.getByRole("link", { name: "Copri (Pronto intervento)" }).click();
  assert.equal(await page.inputValue("#start"), "2030-01-12T08:00");
  assert.equal(await page.inputValue("#end"), "2030-01-12T20:00");
  assert.equal(await page.inputValue("#role"), "pronto_intervento");
  await page.selectOption("#user_id", { label: OPERATOR });
  await page.fill("#phone", "+39 333 765 4321");
  await page.getByRole("button", { name: "Aggiungi il turno" }).click();
  await page.waitForURL((u) => u.searchParams.get("fatto") === "aggiunto");
  assert.equal(await page.locator("#roster-gaps").count(), 0);
  assert.match(await page.locator("#roster-no-gaps").innerText(), /Nessuna scopertura/);
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(problems, []);
  await close();
});

test("a refused shift names its fields and the roster fits a phone", async () => {
  const { page, problems, close } = await openPage(browser, server.url, { width: 390, height: 844 });
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(`${server.url}/turni?settimana=${WEEK}`);
  await page.getByRole("button", { name: "Aggiungi il turno" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".alert-danger").innerText(), /Ruolo: campo obbligatorio/);
  assert.deepEqual(await seriousViolations(page), []);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the roster is ${overflow}px wider than the phone`);
  assert.deepEqual(problems, []);
  await close();
});

test("the weekly rota generates a month of weekends and passes axe", async () => {
  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(`${server.url}/turni`);
  await page.getByRole("link", { name: "Schema settimanale e generazione dei turni" }).click();
  await page.waitForURL((u) => u.pathname === "/turni/schema");
  assert.deepEqual(await seriousViolations(page), []);
  await page.selectOption("#weekday", { label: "Venerdì" });
  await page.fill("#start", "17:00");
  await page.fill("#end", "08:30");
  await page.fill("#extra_days", "2");
  await page.selectOption("#role", { label: "Pronto intervento" });
  await page.selectOption("#user_id", { label: OPERATOR });
  await page.fill("#phone", "+39 333 000 1111");
  await page.getByRole("button", { name: "Aggiungi la riga" }).click();
  await page.waitForURL((u) => u.searchParams.get("fatto") === "aggiunta");
  assert.match(await page.locator("table").innerText(), /17:00–08:30 di 3 giorni dopo/);
  await screenshot(page, "turni-schema");
  await page.fill("#from", "2030-02-04");
  await page.fill("#weeks", "4");
  await page.getByRole("button", { name: "Genera i turni" }).click();
  await page.waitForURL((u) => u.pathname === "/turni" && u.searchParams.get("fatto") === "generati");
  assert.match(await page.locator("main").innerText(), /Turni generati dallo schema: 4/);
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(problems, []);
  await close();
});
