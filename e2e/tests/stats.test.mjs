// The planning dashboard: the coordinator imports a year of history and reads the dashboard
// (charts, map, tables) with the keyboard; the analyst reads the same with small counts of
// protected groups hidden. Every view passes axe.
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

/** A year of history: 120 reports in 2025 over the nine municipalities, at all hours. */
function history() {
  const places = ["Rho", "Arese", "Cornaredo", "Lainate", "Pero", "Pogliano Milanese",
    "Pregnana Milanese", "Settimo Milanese", "Vanzago"];
  const kinds = ["carabinieri", "polizia_locale", "pronto_soccorso", "servizi_sociali", "cittadino"];
  const rows = ["received_at;municipality;channel;reporter_kind;target_group;outcome;not_pertinent_reason"];
  for (let i = 0; i < 120; i++) {
    const month = String(1 + (i % 12)).padStart(2, "0");
    const day = String(1 + (i % 27)).padStart(2, "0");
    const hour = String((i * 7) % 24).padStart(2, "0");
    // Rho gets more than its share; three unaccompanied minors in the year.
    const place = i % 3 === 0 ? "Rho" : places[i % places.length];
    const group = i < 3 ? "msna" : ["senza_dimora", "fragilita", "emergenza_abitativa", "altro"][i % 4];
    const outcome = ["emergenza", "urgenza", "non_pertinente"][i % 3];
    const reason = outcome === "non_pertinente" ? "casistica" : "";
    rows.push(`2025-${month}-${day} ${hour}:00;${place};telefono;${kinds[i % kinds.length]};${group};${outcome};${reason}`);
  }
  return rows.join("\n") + "\n";
}

test("the coordinator imports a year and reads the dashboard with the keyboard", async () => {
  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(server.url + "/statistiche/importa");
  await page.setInputFiles("input[type=file]", { name: "storico.csv", mimeType: "text/csv", buffer: Buffer.from(history()) });
  await page.getByRole("button", { name: "Importa" }).click();
  await page.getByText("Importate 120 segnalazioni").waitFor();

  await page.goto(server.url + "/statistiche");
  await page.getByRole("link", { name: /Cruscotto per la programmazione/ }).click();
  assert.equal(await page.locator("h1").innerText(), "Cruscotto per la programmazione");
  await page.fill("#dal", "2025-01-01");
  await page.fill("#al", "2025-12-31");
  await page.locator("#al").press("Enter");
  await page.waitForURL(/dal=2025-01-01/);
  // Twelve months, the map with its attribution, each chart followed by its table.
  assert.equal(await page.locator("#mesi tbody tr").count(), 12);
  assert.match(await page.locator("#comuni svg").innerHTML(), /elaborazione openpolis/);
  const rho = page.locator("#comuni tbody tr", { hasText: "Rho" });
  assert.match(await rho.innerText(), /Rho\s+40\s+50\.052\s+0,80/);
  assert.match(await page.locator("#gruppi tbody").innerText(), /minori stranieri non accompagnati\s+3/i);
  assert.equal(await page.getByRole("img", { name: /Grafico: Andamento per mese/ }).count(), 1);
  // The table of contents leads to a section with the keyboard.
  const toc = page.getByRole("link", { name: "Fascia oraria di arrivo" });
  await toc.focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/#fasce$/);
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(problems, []);
  await screenshot(page, "cruscotto");
  await close();
});

test("the analyst sees small counts of protected groups as <5, and nothing else changes, on a phone too", async () => {
  const { page, problems, close } = await openPage(browser, server.url, { width: 390, height: 844 });
  await logIn(page, server.url, USERS.analista);
  await page.goto(server.url + "/statistiche/cruscotto?dal=2025-01-01&al=2025-12-31");
  assert.match(await page.locator("main").innerText(), /Per riservatezza/);
  const minors = page.locator("#gruppi tbody tr", { hasText: /minori stranieri/i });
  assert.match(await minors.innerText(), /<5/);
  assert.match(await page.locator("#comuni tbody").innerText(), /Rho\s+40/);
  // Wide tables scroll inside their own region, which the keyboard reaches; the page does not.
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(problems, []);
  await close();
});
