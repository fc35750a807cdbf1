// The Centrale at work: a call-taker records a report with the keyboard alone and triages it;
// the coordinator's board, open in another browser, shows it without reloading.
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

/** Types into the field with this id (ids hold dots and brackets, so no CSS shorthand). */
async function typeInto(page, id, text) {
  await page.locator(`[id="${id}"]`).focus();
  await page.keyboard.type(text);
}

test("a report recorded by keyboard alone appears on another browser's board without reload", async () => {
  const coordinator = await openPage(browser, server.url);
  await logIn(coordinator.page, server.url, USERS.coordinatore);
  await coordinator.page.goto(server.url + "/");
  assert.equal(await coordinator.page.locator("h1").innerText(), "Bacheca della Centrale");
  assert.match(await coordinator.page.locator("#board-rows").innerText(), /Nessuna segnalazione aperta/);
  assert.deepEqual(await seriousViolations(coordinator.page), []);

  const operator = await openPage(browser, server.url);
  const page = operator.page;
  await logIn(page, server.url, USERS.centrale);
  await page.goto(server.url + "/");
  // N opens the intake form; its first field has the focus.
  await page.keyboard.press("n");
  await page.waitForURL((u) => u.pathname === "/segnalazioni/nuova");
  assert.equal(await page.evaluate(() => document.activeElement.id), "channel");
  assert.deepEqual(await seriousViolations(page), []);
  // Channel stays "Telefono" and the time "now"; the reporter's kind is chosen by typing.
  await typeInto(page, "reporter.kind", "Carabinieri");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Stazione di Rho");
  await typeInto(page, "municipality", "Rho");
  await typeInto(page, "place", "Piazza della stazione");
  await typeInto(page, "target_group", "Persone senza");
  await typeInto(page, "persons[0].role", "Beneficiario");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Mario Rossi");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Maschio");
  await page.keyboard.press("Tab");
  await page.keyboard.type("58");
  await page.locator("#risk-pericolo_immediato").focus();
  await page.keyboard.press("Space");
  await typeInto(page, "description", "Uomo al freddo, non vuole andare al dormitorio");
  await screenshot(page, "nuova-segnalazione");
  // Enter in a text field saves the report.
  await page.locator('[id="place"]').focus();
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => /^\/segnalazioni\/\d+$/.test(u.pathname));
  const code = (await page.locator("h1").innerText()).replace("Segnalazione ", "");
  assert.match(code, /^PIS-\d{4}-0001$/);
  assert.match(await page.locator("main").innerText(), /Suggerimento dalla lista: Emergenza/);
  assert.deepEqual(await seriousViolations(page), []);

  // The coordinator's board shows it, pushed by the server.
  await coordinator.page.locator("#board-rows a", { hasText: code }).waitFor({ timeout: 5000 });

  // Triage with the keyboard: the checklist is ticked from the risks; choose Emergenza.
  await page.locator("#outcome-emergenza").focus();
  await page.keyboard.press("Space");
  await typeInto(page, "rationale", "Notte sotto zero, nessuna rete");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), "Registra la valutazione");
  await page.keyboard.press("Enter");
  await page.locator(".lead", { hasText: "Emergenza" }).waitFor({ timeout: 5000 });
  await screenshot(page, "segnalazione");
  await coordinator.page.locator("#board-rows .badge", { hasText: "Emergenza" }).waitFor({ timeout: 5000 });
  await screenshot(coordinator.page, "bacheca");

  // J moves through the board, Enter opens the report.
  await coordinator.page.keyboard.press("j");
  assert.equal(await coordinator.page.evaluate(() => document.activeElement.textContent), code);
  await coordinator.page.keyboard.press("Enter");
  await coordinator.page.waitForURL((u) => /^\/segnalazioni\/\d+$/.test(u.pathname));
  assert.deepEqual(operator.problems, []);
  assert.deepEqual(coordinator.problems, []);
  await operator.close();
  await coordinator.close();
});

test("on a 390 px phone the board, the intake form and a report fit the screen", async () => {
  const { page, problems, close } = await openPage(browser, server.url, { width: 390, height: 844 });
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(server.url + "/");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the board is ${overflow}px wider than the phone`);
  assert.deepEqual(await seriousViolations(page), []);
  // Each protocol code stays on one line.
  const codes = await page.locator("#board-rows .board-link").evaluateAll((links) =>
    links.map((a) => ({ text: a.textContent, lines: Math.round(a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight)) })));
  assert.ok(codes.length > 0, "the board lists the report");
  for (const c of codes) assert.ok(c.lines <= 1, `${c.text} wraps on ${c.lines} lines`);
  // The top bar's texts do not run into each other (the user's name, the sign-out button):
  // at least 8 px between any two on one line.
  const overlaps = await page.locator(".it-header-slim-wrapper-content").evaluate((bar) => {
    const boxes = [...bar.querySelectorAll(".navbar-brand, a, button")]
      .filter((e) => e.getClientRects().length > 0)
      .map((e) => ({ text: e.textContent.trim(), r: e.getBoundingClientRect() }));
    const hits = [];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i].r, boxes[j].r];
        if (a.left < b.right + 8 && b.left < a.right + 8 && a.top < b.bottom && b.top < a.bottom)
          hits.push(`${boxes[i].text} / ${boxes[j].text}`);
      }
    return hits;
  });
  assert.deepEqual(overlaps, []);
  await screenshot(page, "telefono-bacheca");
  for (const path of ["/segnalazioni/nuova", "/segnalazioni/1", "/notifiche"]) {
    await page.goto(server.url + path);
    const wider = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wider <= 0, `${path} is ${wider}px wider than the phone`);
    assert.deepEqual(await seriousViolations(page), [], path);
  }
  await screenshot(page, "telefono-segnalazione");
  assert.deepEqual(problems, []);
  await close();
});

test("an admin finds who has seen a person's record", async () => {
  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.admin);
  await page.goto(server.url + "/amministrazione/accessi-persona");
  assert.equal(await page.locator("h1").innerText(), "Accessi a una persona");
  assert.deepEqual(await seriousViolations(page), []);
  // Too short a name is refused, naming the field.
  await page.fill("#name", "ro");
  await page.getByRole("button", { name: "Cerca" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".alert-danger").innerText(), /almeno 3 caratteri/);
  assert.deepEqual(await seriousViolations(page), [], "refused search");
  await page.fill("#name", "rossi");
  await page.getByRole("button", { name: "Cerca" }).click();
  await page.waitForLoadState();
  const tables = page.locator("table");
  assert.match(await tables.nth(0).innerText(), /PIS-\d{4}-0001[\s\S]*Mario Rossi/);
  // The call-taker who recorded it and the coordinator who opened it are listed.
  const accesses = await tables.nth(1).innerText();
  assert.match(accesses, new RegExp(USERS.centrale.username.replace(".", "\\.")));
  assert.match(accesses, new RegExp(USERS.coordinatore.username.replace(".", "\\.")));
  assert.deepEqual(await seriousViolations(page), [], "results");
  await screenshot(page, "amministrazione-accessi-persona");
  assert.deepEqual(problems, []);
  await close();
});

test("a typical Carabinieri report goes in with at most 120 keystrokes, the time 'now' by default", async () => {
  const { page, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.centrale);
  await page.goto(server.url + "/");
  let keys = 0;
  const press = async (key, times = 1) => {
    for (let i = 0; i < times; i++) {
      await page.keyboard.press(key);
      keys += 1;
    }
  };
  const type = async (text) => {
    await page.keyboard.type(text);
    keys += text.length;
  };
  await press("n");
  await page.waitForURL((u) => u.pathname === "/segnalazioni/nuova");
  // The form opens with the focus on the channel (autofocus, once the page has loaded).
  await page.waitForFunction(() => document.activeElement?.id === "channel");
  // Channel: Telefono stays. One Tab into the time, which is now, and one Tab out of it.
  await press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "received_at");
  assert.match(await page.inputValue("#received_at"), /^\d\d\/\d\d\/\d{4} \d\d:\d\d$/);
  await press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "reporter.kind");
  await type("car");
  await press("Tab");
  await type("Stazione di Rho");
  await press("Tab", 4); // name, phone, reference: not given; on to the municipality
  assert.equal(await page.evaluate(() => document.activeElement.id), "municipality");
  await type("rho");
  await press("Tab");
  await type("Stazione");
  await press("Tab", 2);
  assert.equal(await page.evaluate(() => document.activeElement.id), "target_group");
  await type("pers");
  await press("Tab");
  await type("b");
  await press("Tab", 2);
  await type("m");
  await press("Tab");
  await type("54");
  // On with Tab to the description, past the fields left empty.
  for (let i = 0; i < 30 && (await page.evaluate(() => document.activeElement.id)) !== "description"; i++) {
    await press("Tab");
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), "description");
  await type("Uomo al freddo");
  await press("Tab", 2);
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), "Registra la segnalazione");
  await press("Enter");
  await page.waitForURL((u) => /^\/segnalazioni\/\d+$/.test(u.pathname));
  assert.ok(keys <= 120, `${keys} keystrokes from N to saved`);
  const main = await page.locator("main").innerText();
  assert.match(main, /Carabinieri/);
  assert.match(main, /Persone senza dimora/);
  await close();
});
