// The handover: the call-taker sends an urgency in Rho to the municipal social service; Rho's
// social worker finds it, acknowledges it and takes charge; Arese's cannot see it at all.
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

test("Rho's social service takes charge of a handover that Arese's never sees", async () => {
  const report = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "polizia_locale", organization: "Polizia locale di Rho" },
    municipality: "015182", place: "Via Madonna 12", target_group: "fragilita",
    persons: [{ role: "beneficiario", name: "Ada Bianchi", sex: "F", age: 84 }],
    description: "Anziana sola, la badante è ricoverata",
  });
  await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${report.id}/triage`, {
    outcome: "urgenza", rationale: "Serve una badante entro domani",
  });

  // The call-taker sends it from the report page.
  const desk = await openPage(browser, server.url);
  await logIn(desk.page, server.url, USERS.centrale);
  await desk.page.goto(`${server.url}/segnalazioni/${report.id}`);
  await desk.page.getByRole("button", { name: "Invia al servizio sociale di Rho" }).click();
  await desk.page.locator("#passaggio ~ div", { hasText: "In attesa di presa visione" }).waitFor();
  // The reporter's status link: a public page with the code and where it stands.
  await desk.page.getByRole("button", { name: "Link di stato per chi ha segnalato" }).click();
  const link = await desk.page.locator("#status-link").innerText();
  assert.match(link, /\/stato\/[0-9a-f]{64}$/);
  assert.deepEqual(desk.problems, []);
  await desk.close();
  const reporter = await openPage(browser, server.url);
  await reporter.page.goto(link);
  assert.match(await reporter.page.locator("#stage").innerText(), /Passata al servizio sociale del comune/);
  assert.doesNotMatch(await reporter.page.content(), /Ada Bianchi|Anziana sola|Via Madonna/);
  assert.deepEqual(await seriousViolations(reporter.page), []);
  await reporter.close();

  // Rho's social worker: the handover is on the home page and in Passaggi.
  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.rho);
  await page.goto(server.url + "/passaggi");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "passaggi");
  await page.getByRole("link", { name: report.code }).click();
  await page.waitForURL((u) => u.pathname === `/segnalazioni/${report.id}`);
  assert.match(await page.locator("main").innerText(), /Anziana sola/);
  await page.getByRole("button", { name: "Presa visione" }).click();
  await page.locator("main", { hasText: /Presa visione: Sara Sociale/ }).waitFor();
  await page.getByRole("button", { name: "Presa in carico" }).click();
  await page.locator("main", { hasText: /Presa in carico: Sara Sociale/ }).waitFor();
  await page.fill("#message", "Contattata la figlia, domani visita domiciliare");
  await page.getByRole("button", { name: "Invia il messaggio" }).click();
  await page.locator("main", { hasText: "Contattata la figlia" }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  await page.locator("#passaggio").scrollIntoViewIfNeeded();
  await screenshot(page, "passaggio");
  // The sheet prints, and its PDF is served.
  await page.goto(`${server.url}/segnalazioni/${report.id}/scheda`);
  assert.match(await page.locator("h1").innerText(), /Scheda di passaggio/);
  assert.deepEqual(await seriousViolations(page), []);
  const pdf = await page.request.get(`${server.url}/segnalazioni/${report.id}/scheda.pdf`);
  assert.equal(pdf.headers()["content-type"], "application/pdf");
  assert.equal((await pdf.body()).subarray(0, 5).toString(), "%PDF-");
  assert.deepEqual(problems, []);
  await close();

  // Arese's social worker: nothing, and the address itself says it does not exist.
  const other = await openPage(browser, server.url);
  await logIn(other.page, server.url, USERS.arese);
  await other.page.goto(server.url + "/passaggi");
  assert.match(await other.page.locator("main").innerText(), /Nessun passaggio in attesa/);
  const direct = await other.page.goto(`${server.url}/segnalazioni/${report.id}`);
  assert.equal(direct.status(), 404);
  assert.doesNotMatch(await other.page.content(), /Ada Bianchi|Anziana sola/);
  await other.close();
});
