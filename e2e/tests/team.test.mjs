// The case team: the coordinator invites the emergency room's referent to an emergency with the
// sections "intervento" and "procedure"; before accepting, the partner does not reach the case;
// after accepting, the partner reads those sections and not the reporter's narrative; removal
// ends access on the next request.
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

function inDays(days) {
  const d = new Date(Date.now() + days * 86400000);
  return d.toISOString().slice(0, 10);
}

test("a partner reads only the sections the team grants, and only while a member", async () => {
  const report = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "carabinieri", organization: "Stazione di Rho" },
    municipality: "015182", place: "Via Madonna", target_group: "fragilita",
    persons: [{ role: "beneficiario", name: "Gino Bianchi", sex: "M", age: 61 }],
    description: "Racconto riservato del vicino di casa",
  });
  await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${report.id}/triage`,
    { outcome: "emergenza", rationale: "Persona a rischio stanotte" });

  // The coordinator invites the partner from the report page.
  const desk = await openPage(browser, server.url, { width: 1280, height: 900 });
  await logIn(desk.page, server.url, USERS.coordinatore);
  await desk.page.goto(`${server.url}/segnalazioni/${report.id}#equipe`);
  await desk.page.locator("#user").fill(USERS.asst.username);
  await desk.page.locator("#role_in_case").selectOption("referente_sanitario");
  await desk.page.locator("#until").fill(inDays(30));
  // By keyboard: Space ticks a section, Enter sends the form.
  for (const id of ["#sections-intervento", "#sections-procedure"]) {
    await desk.page.locator(id).focus();
    await desk.page.keyboard.press("Space");
  }
  assert.ok(await desk.page.locator("#sections-procedure").isChecked());
  await desk.page.locator("#consent").focus();
  await desk.page.keyboard.press("Enter");
  await desk.page.waitForURL(new RegExp(`/segnalazioni/${report.id}$`));
  assert.match(await desk.page.locator("#equipe + ul").innerText(), /Paola Pronto Soccorso/);
  assert.deepEqual(await seriousViolations(desk.page), [], "report page with its team");
  await desk.page.locator("#equipe").scrollIntoViewIfNeeded();
  await screenshot(desk.page, "equipe-segnalazione");

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.asst);
    if (viewport.width > 400) {
      const before = await page.goto(`${server.url}/equipe/casi/${report.id}`);
      assert.equal(before.status(), 404, "not before accepting");
      await page.goto(server.url + "/");
      assert.match(await page.locator("h1").innerText(), /équipe/i);
      assert.deepEqual(await seriousViolations(page), [], `team list at ${viewport.width}px`);
      await screenshot(page, "equipe-inviti");
      // Accept by keyboard: the decline reason field, then Tab to "Accetta", Enter.
      await page.locator('[id^="reason-"]').first().focus();
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/equipe$/);
    } else {
      await page.goto(server.url + "/equipe");
      assert.deepEqual(await seriousViolations(page), [], `team list at ${viewport.width}px`);
    }
    await page.locator(`a[href="/equipe/casi/${report.id}"]`).click();
    await page.waitForURL(new RegExp(`/equipe/casi/${report.id}$`));
    const text = await page.locator("main").innerText();
    assert.match(text, /Intervento e risorse attivate/);
    assert.match(text, /Procedure speciali/);
    assert.doesNotMatch(text, /Racconto riservato/);
    assert.doesNotMatch(text, /Gino Bianchi/);
    assert.deepEqual(await seriousViolations(page), [], `team case at ${viewport.width}px`);
    if (viewport.width > 400) await screenshot(page, "equipe-caso");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `${width}px wide`);
    assert.deepEqual(problems, []);
    await close();
  }

  // Removal ends access on the next request.
  await desk.page.goto(`${server.url}/segnalazioni/${report.id}`);
  await desk.page.getByRole("button", { name: /Togli Paola Pronto Soccorso/ }).click();
  await desk.page.waitForURL(new RegExp(`/segnalazioni/${report.id}$`));
  const { page, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.asst);
  const gone = await page.goto(`${server.url}/equipe/casi/${report.id}`);
  assert.equal(gone.status(), 404);
  await close();
  await desk.close();
});
