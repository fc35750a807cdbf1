// The trusted reporter's portal: a Carabinieri station sends a report with the short form from
// a phone, follows it through the four public stages, re-reads what it sent; the Centrale gets
// it on its board with nobody of the station as the assignee.
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

for (const [label, viewport] of [
  ["desktop", { width: 1280, height: 900 }],
  ["phone", { width: 390, height: 844 }],
]) {
  test(`a Carabinieri station sends a report from its portal (${label})`, async () => {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.carabinieri);
    await page.goto(server.url + "/");
    assert.match(await page.locator("h1").innerText(), /Le segnalazioni inviate/);
    assert.doesNotMatch(await page.locator("main").innerText(), /Bacheca|Da valutare/);
    assert.deepEqual(await seriousViolations(page), []);

    await page.getByRole("link", { name: "Nuova segnalazione" }).first().click();
    await page.waitForURL((u) => u.pathname === "/portale/nuova");
    assert.equal(await page.locator("#reporter_kind").inputValue(), "carabinieri");
    assert.equal(await page.locator("#reporter_name").inputValue(), USERS.carabinieri.name);
    // Sent with nothing: every fault named as the form labels it, nothing saved.
    await page.getByRole("button", { name: "Invia alla Centrale" }).click();
    const summary = await page.locator(".alert-danger").innerText();
    assert.match(summary, /Cosa succede: campo obbligatorio/);
    assert.match(summary, /Numero per richiamarvi: campo obbligatorio/);
    assert.deepEqual(await seriousViolations(page), []);
    assert.match(summary, /Chi riguarda: campo obbligatorio/);
    assert.ok(summary.indexOf("Cosa succede") < summary.indexOf("Numero per richiamarvi"), "in the order of the form");
    if (label === "desktop") await screenshot(page, "portale-errori");
    await page.goto(server.url + "/portale/nuova");

    await page.fill("#description", "Uomo senza dimora al freddo sotto la pensilina, con un cane.");
    await page.selectOption("#municipality", { label: "Rho" });
    await page.fill("#place", "Stazione di Rho, binario 1");
    await page.selectOption("#target_group", "senza_dimora");
    await page.fill("#reporter_phone", "02 9310 000");
    await page.fill("#reporter_reference", `Verbale ${label}`);
    if (label === "desktop") await screenshot(page, "portale-nuova");
    await page.getByRole("button", { name: "Invia alla Centrale" }).click();
    await page.waitForURL((u) => u.pathname === "/portale");
    const sent = await page.locator('[role="status"]').innerText();
    const code = sent.match(/[A-Z]+-\d{4}-\d{4}/)[0];
    assert.equal(await page.locator("tr", { hasText: code }).locator(".stage").innerText(), "Ricevuta");
    assert.deepEqual(await seriousViolations(page), []);

    // The Centrale triages it: the station sees "in lavorazione", never the outcome.
    const list = await api(server.url, USERS.centrale, "GET", "/api/v1/reports?open=true");
    const line = list.items.find((i) => i.code === code);
    assert.equal(line.assigned, null, "the sender is not the assignee");
    await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${line.id}/triage`, {
      outcome: "emergenza", rationale: "Notte sotto zero", criteria: ["senza_riparo_stanotte"],
    });
    await page.reload();
    const row = page.locator("tr", { hasText: code });
    assert.match(await row.innerText(), /In lavorazione/);
    assert.doesNotMatch(await page.locator("main").innerText(), /Emergenza|Notte sotto zero/);
    if (label === "desktop") await screenshot(page, "portale");
    await row.getByRole("link", { name: code }).click();
    await page.waitForURL((u) => u.pathname === `/portale/${line.id}`);
    assert.match(await page.locator('[aria-current="step"]').innerText(), /In lavorazione/);
    assert.match(await page.locator("main").innerText(), /con un cane\./);
    assert.match(await page.locator("main").innerText(), new RegExp(`Verbale ${label}`));
    assert.deepEqual(await seriousViolations(page), []);
    if (label === "desktop") await screenshot(page, "portale-segnalazione");
    // The page works with the keyboard alone: Tab reaches the way back.
    const back = page.getByRole("link", { name: "Torna alle segnalazioni inviate" });
    for (let i = 0; i < 40 && !(await back.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.pathname === "/portale");
    assert.deepEqual(problems, []);
    await close();
  });
}
