// The person across reports: at intake the call-taker sees that "Rossi Mraio" may be the Mario
// Rossi already known, chooses him with the keyboard without leaving the form, and the person's
// page shows both reports, the safety notes and the corrections.
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

/** Types into the field with this id (ids hold dots and brackets, so no CSS shorthand). */
async function typeInto(page, id, text) {
  await page.locator(`[id="${id}"]`).focus();
  await page.keyboard.type(text);
}

test("a known person is found at intake, chosen by keyboard, and the person's page shows both reports", async () => {
  const first = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "carabinieri", organization: "Stazione di Rho" },
    municipality: "015182", place: "Piazza della stazione", target_group: "senza_dimora",
    persons: [{ role: "beneficiario", name: "Mario Rossi", sex: "M", age: 58 }],
    description: "Uomo al freddo, rifiuta il dormitorio",
  });
  const known = (await api(server.url, USERS.centrale, "GET", `/api/v1/reports/${first.id}`)).persons[0].person_id;
  assert.ok(known > 0);

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.centrale);
    await page.goto(server.url + "/segnalazioni/nuova");
    await typeInto(page, "municipality", "Rho");
    await typeInto(page, "persons[0].name", "Rossi Mraio");
    // The candidates appear under the person, without leaving the form.
    const candidate = page.locator(`[id="persons[0].person_id-${known}"]`);
    await candidate.waitFor({ timeout: 5000 });
    assert.match(await page.locator("#candidates-0").innerText(), /Mario Rossi/);
    assert.match(await page.locator("#candidates-status-0").innerText(), /\S/);
    // Keyboard: "Persona nuova" is the group's stop; the arrow moves to the known person.
    const fresh = page.locator('[id="persons[0].person_id-new"]');
    assert.ok(await fresh.isChecked());
    await page.locator('[id="persons[0].needs_mediator"]').focus();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.id), "persons[0].person_id-new");
    await page.keyboard.press("ArrowDown");
    assert.ok(await candidate.isChecked());
    assert.deepEqual(await seriousViolations(page), [], `intake at ${viewport.width}px`);
    if (viewport.width > 400) await screenshot(page, "gia-noto");
    assert.deepEqual(problems, []);
    await close();
  }

  // The choice is part of the report: saved by keyboard, the report names the known person.
  const { page, problems } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.centrale);
  await page.goto(server.url + "/segnalazioni/nuova");
  await typeInto(page, "reporter.kind", "Carabinieri");
  await typeInto(page, "municipality", "Rho");
  await typeInto(page, "place", "Sottopasso della stazione");
  await typeInto(page, "target_group", "Persone senza");
  await typeInto(page, "persons[0].role", "Beneficiario");
  await typeInto(page, "persons[0].name", "Rossi Mraio");
  await page.locator(`[id="persons[0].person_id-${known}"]`).waitFor({ timeout: 5000 });
  await page.locator('[id="persons[0].person_id-new"]').focus();
  await page.keyboard.press("ArrowDown");
  await typeInto(page, "description", "Di nuovo al freddo, stessa zona");
  await page.locator('[id="place"]').focus();
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => /^\/segnalazioni\/\d+$/.test(u.pathname));
  const second = Number(new URL(page.url()).pathname.split("/").pop());
  const saved = await api(server.url, USERS.centrale, "GET", `/api/v1/reports/${second}`);
  assert.equal(saved.persons[0].person_id, known);

  // The person's page: both reports; a safety note tops every report after.
  await page.locator(`a[href="/persone/${known}"]`).first().click();
  await page.waitForURL((u) => u.pathname === `/persone/${known}`);
  const timeline = await page.locator("#timeline + ol").innerText();
  assert.match(timeline, /PIS-\d{4}-0001/);
  assert.match(timeline, /PIS-\d{4}-0002/);
  await typeInto(page, "safety_notes", "Cane al seguito, buono ma diffidente");
  await page.locator("#correct ~ form button[type=submit]").focus();
  await page.keyboard.press("Enter");
  await page.locator(".alert-danger", { hasText: "Cane al seguito" }).waitFor({ timeout: 5000 });
  assert.match(await page.locator("#corrections ~ div").innerText(), /Cane al seguito/);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "persona");
  await page.goto(`${server.url}/segnalazioni/${second}`);
  assert.match(await page.locator("#safety").innerText(), /Cane al seguito/);

  // The search finds him by a misspelt name.
  await page.goto(server.url + "/persone");
  await typeInto(page, "q", "rosi mario");
  await page.keyboard.press("Enter");
  await page.locator(`a[href="/persone/${known}"]`).waitFor({ timeout: 5000 });
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(problems, []);

  // At phone size the person's page and the search hold no serious violation either.
  const phone = await openPage(browser, server.url, { width: 390, height: 844 });
  await logIn(phone.page, server.url, USERS.coordinatore);
  for (const path of [`/persone/${known}`, "/persone?q=rossi"]) {
    await phone.page.goto(server.url + path);
    assert.deepEqual(await seriousViolations(phone.page), [], path);
    const wide = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, `${path} is ${wide}px wide`);
  }
  assert.deepEqual(phone.problems, []);
});

test("the household of a known person is brought into a report by keyboard and shown on the person's page", async () => {
  const first = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "polizia_locale" },
    municipality: "015182", place: "Via Madonna", target_group: "emergenza_abitativa",
    persons: [
      { role: "beneficiario", name: "Giulia Bianchi", sex: "F", age: 34 },
      { role: "minore", name: "Marco Bianchi", sex: "M", age: 7, relationship: "figlio" },
    ],
    description: "Madre e figlio senza alloggio dopo uno sfratto",
  });
  const [giulia, marco] = (await api(server.url, USERS.centrale, "GET", `/api/v1/reports/${first.id}`))
    .persons.map((p) => p.person_id);

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.centrale);
    await page.goto(server.url + "/segnalazioni/nuova");
    await typeInto(page, "persons[0].name", "Bianchi Giulia");
    await page.locator(`[id="persons[0].person_id-${giulia}"]`).waitFor({ timeout: 5000 });
    // Into the group, onto the known person, then the next stop is "Aggiungi il nucleo".
    await page.locator('[id="persons[0].person_id-new"]').focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Tab");
    assert.match(await page.evaluate(() => document.activeElement.textContent), /Aggiungi il nucleo di Giulia Bianchi/);
    await page.keyboard.press("Enter");
    const child = page.locator('[id="persons[1].name"]');
    await child.waitFor({ timeout: 5000 });
    assert.equal(await child.inputValue(), "Marco Bianchi");
    assert.equal(await page.locator('[id="persons[1].relationship"]').inputValue(), "figlio");
    assert.equal(await page.locator('[id="persons[1].person_id"]').inputValue(), String(marco));
    assert.deepEqual(await seriousViolations(page), [], `intake with the household at ${viewport.width}px`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= viewport.width, `intake is ${wide}px wide`);
    if (viewport.width > 400) {
      // Saved with Enter from a field: the report names both, each with their record.
      await typeInto(page, "reporter.kind", "Polizia locale");
      await typeInto(page, "municipality", "Rho");
      await typeInto(page, "target_group", "Emergenza abitativa");
      await typeInto(page, "persons[0].role", "Beneficiario");
      await typeInto(page, "description", "Di nuovo senza alloggio");
      await page.locator('[id="place"]').focus();
      await page.keyboard.press("Enter");
      await page.waitForURL((u) => /^\/segnalazioni\/\d+$/.test(u.pathname), { timeout: 5000 })
        .catch(async (e) => { throw new Error(`${e.message}: ${await page.locator("main").innerText()}`); });
      const id = Number(new URL(page.url()).pathname.split("/").pop());
      const saved = await api(server.url, USERS.centrale, "GET", `/api/v1/reports/${id}`);
      assert.deepEqual(saved.persons.map((p) => p.person_id), [giulia, marco]);
      assert.equal(saved.persons[1].relationship, "figlio");
    }
    await page.goto(`${server.url}/persone/${marco}`);
    const household = await page.locator("#household + ul").innerText();
    assert.match(household, /Giulia Bianchi — persona di riferimento/);
    assert.match(household, /Marco Bianchi \(questa scheda\) — figlio\/a/);
    assert.deepEqual(await seriousViolations(page), [], `person page with household at ${viewport.width}px`);
    if (viewport.width > 400) await screenshot(page, "nucleo");
    assert.deepEqual(problems, []);
    await close();
  }
});
