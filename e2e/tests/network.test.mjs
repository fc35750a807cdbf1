// The network directory: the coordinator adds the ASST emergency room with a 24-hour number;
// the call-taker finds it from a report in two keystrokes (R, then Enter on the number), on the
// directory, the field view and the night's sheet; every page axe-clean at 1280 and 390 px.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPresidio, launchBrowser, openPage, seriousViolations, screenshot, logIn, api, USERS, inDays } from "../support.mjs";

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

test("the coordinator adds the emergency room; the call-taker dials it from a report", async () => {
  const desk = await openPage(browser, server.url, { width: 1280, height: 900 });
  await logIn(desk.page, server.url, USERS.coordinatore);
  await desk.page.goto(`${server.url}/rete/nuovo`);
  assert.deepEqual(await seriousViolations(desk.page), [], "new organisation form");
  await desk.page.locator("#name").fill("Pronto soccorso Rho");
  await desk.page.locator("#kind").selectOption("asst");
  await desk.page.locator('[id="contacts[0].kind"]').selectOption("h24");
  await desk.page.locator('[id="contacts[0].label"]').fill("Triage");
  await desk.page.locator('[id="contacts[0].phone"]').fill("02 994 30 1");
  await desk.page.locator('[id="contacts[0].referent"]').focus();
  await desk.page.keyboard.type("Dott.ssa Neri");
  await desk.page.keyboard.press("Enter");
  await desk.page.waitForURL(/\/rete\/\d+\?fatto=salvato$/);
  assert.match(await desk.page.locator("main").innerText(), /Scheda dell'ente salvata/);
  assert.equal(await desk.page.locator('a.network-tel').first().getAttribute("href"), "tel:02994301");
  assert.deepEqual(await seriousViolations(desk.page), [], "organisation card");
  await screenshot(desk.page, "rete-scheda");
  await desk.close();

  const report = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "carabinieri", organization: "Stazione di Rho" },
    municipality: "015182", place: "Stazione di Rho", target_group: "fragilita",
    persons: [{ role: "beneficiario", name: "Ugo Pini", sex: "M", age: 70 }],
    description: "Anziano confuso in stazione",
  });

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.centrale);
    await page.goto(`${server.url}/segnalazioni/${report.id}`);
    // Two keystrokes: R to the first number of "Chi chiamo?", Enter dials it.
    await page.keyboard.press("r");
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("href"));
    assert.equal(focused, "tel:02994301", "R reaches the emergency room's number");
    assert.deepEqual(await seriousViolations(page), [], `report with Chi chiamo at ${viewport.width}px`);
    if (viewport.width > 400) {
      await page.locator("#chi-chiamo").scrollIntoViewIfNeeded();
      await screenshot(page, "rete-segnalazione");
    }
    // The quick search answers as typed, without leaving the report.
    await page.locator("#chi-chiamo-q").fill("pronto");
    await page.locator("#chi-chiamo-risultati a.network-tel").first().waitFor();
    assert.match(page.url(), new RegExp(`/segnalazioni/${report.id}$`));

    for (const path of ["/rete?q=triage", "/rete/foglio", "/campo"]) {
      await page.goto(server.url + path);
      assert.deepEqual(await seriousViolations(page), [], `${path} at ${viewport.width}px`);
      if (path !== "/campo") {
        assert.equal(await page.locator("a[href='tel:02994301']").count() > 0, true, path);
      }
      if (viewport.width < 400 && path === "/rete?q=triage") await screenshot(page, "rete");
    }
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `${width}px wide`);
    assert.deepEqual(problems, []);
    await close();
  }
});

test("a protocol ending in 20 days is on the coordinator's board; an executable is not its PDF", async () => {
  const org = await api(server.url, USERS.coordinatore, "POST", "/api/v1/network/organisations", {
    name: "Centro antiviolenza del Rhodense", kind: "cav",
    contacts: [{ kind: "h24", label: "Linea di emergenza", phone: "1522" }],
  });
  const protocol = await api(server.url, USERS.coordinatore, "POST", "/api/v1/network/protocols", {
    title: "Protocollo della rete antiviolenza", kind: "protocollo_operativo", parties: [org.id],
    target_groups: ["violenza_genere"], signed_on: "2025-01-15", valid_until: inDays(20),
    procedures: ["violenza_genere"], summary: "Presa in carico congiunta entro 24 ore.",
  });
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.coordinatore);
    const banner = page.getByRole("link", { name: /Protocolli della rete: 1 in scadenza/ });
    await banner.click();
    await page.waitForURL(/\/rete\/protocolli\?in_scadenza=1$/);
    assert.match(await page.locator("main").innerText(), /Scade tra 20 giorni/);
    assert.deepEqual(await seriousViolations(page), [], `protocols at ${viewport.width}px`);
    await page.getByRole("link", { name: "Protocollo della rete antiviolenza" }).click();
    await page.waitForURL(new RegExp(`/rete/protocolli/${protocol.id}$`));
    assert.deepEqual(await seriousViolations(page), [], `protocol at ${viewport.width}px`);
    if (viewport.width > 400) {
      // An executable named like a PDF is refused by its content, in Italian.
      await page.locator("#document").setInputFiles({
        name: "protocollo.pdf", mimeType: "application/pdf",
        buffer: Buffer.from("MZ\x90\x00 This program cannot be run in DOS mode"),
      });
      await page.getByRole("button", { name: "Carica il documento" }).click();
      await page.locator("#document-error").waitFor();
      assert.match(await page.locator("#document-error").innerText(), /il file non è un PDF/);
      assert.deepEqual(await seriousViolations(page), [], "refused upload");
      await page.locator("#document").setInputFiles({
        name: "protocollo-firmato.pdf", mimeType: "application/pdf",
        buffer: Buffer.from("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"),
      });
      await page.getByRole("button", { name: "Carica il documento" }).click();
      await page.waitForURL(/\?fatto=documento$/);
      assert.match(await page.locator("main").innerText(), /protocollo-firmato\.pdf/);
      await screenshot(page, "rete-protocollo");
    }
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `${width}px wide`);
    assert.deepEqual(problems, []);
    await close();
  }
});

test("a school becomes a reporting partner; the call-taker picks it at intake and its kind fills in", async () => {
  const coord = await openPage(browser, server.url, { width: 1280, height: 900 });
  await logIn(coord.page, server.url, USERS.coordinatore);
  await coord.page.goto(`${server.url}/rete/nuovo`);
  await coord.page.locator("#name").fill("Istituto comprensivo Pero");
  await coord.page.locator("#kind").selectOption("scuola");
  await coord.page.locator("#reporter_kind").selectOption("altro");
  await coord.page.locator('[id="contacts[0].label"]').fill("Segreteria");
  await coord.page.locator('[id="contacts[0].phone"]').fill("02 353 00 1");
  await coord.page.getByRole("button", { name: "Salva la scheda" }).click();
  await coord.page.waitForURL(/\/rete\/\d+\?fatto=salvato$/);
  assert.match(await coord.page.locator("main").innerText(), /Segnala al servizio come\s+Altro/);
  await coord.close();

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.centrale);
    await page.goto(`${server.url}/segnalazioni/nuova`);
    const partner = page.getByLabel("Organizzazione della rete");
    await partner.focus();
    await partner.selectOption({ label: "Istituto comprensivo Pero · Altro" });
    assert.equal(await page.locator('[id="reporter.kind"]').inputValue(), "altro");
    assert.equal(await page.locator('[id="reporter.organization"]').inputValue(), "Istituto comprensivo Pero");
    assert.deepEqual(await seriousViolations(page), [], `intake with a partner at ${viewport.width}px`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `${width}px wide`);
    assert.deepEqual(problems, []);
    await close();
  }
});
