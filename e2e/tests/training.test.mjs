// The training register: a field operator without the MSNA course is among the gaps until the
// coordinator records a course and the attendance, with the keyboard; the certificate takes a
// PDF only; every page axe-clean at 1280 and 390 px.
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

test("a field operator without the MSNA course is in the gaps until attendance is recorded", async () => {
  const gaps = await api(server.url, USERS.coordinatore, "GET", "/api/v1/training/gaps");
  const mine = gaps.items.filter((g) => g.person === USERS.campo.name);
  assert.equal(mine.length, 1, JSON.stringify(gaps));
  assert.equal(mine[0].requirement.topic, "msna");

  const { page, close } = await openPage(browser, server.url, { width: 1280, height: 900 });
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(`${server.url}/formazione`);
  const gapsTable = page.locator('table[aria-labelledby="mancanze"]');
  assert.match(await gapsTable.innerText(), new RegExp(`${USERS.campo.name}[\\s\\S]*Procedura MSNA[\\s\\S]*Mai frequentato`));
  assert.deepEqual(await seriousViolations(page), [], "register");

  // A bad number of hours is refused on the field, as labelled.
  await page.locator("#title").fill("La procedura MSNA");
  await page.locator("#date").fill(inDays(-7));
  await page.locator("#hours").fill("7,25");
  await page.locator("#topics-msna").focus();
  await page.keyboard.press("Space");
  await page.locator("#hours").focus();
  await page.keyboard.press("Enter");
  await page.waitForLoadState("load");
  assert.match(await page.locator(".alert-danger").innerText(), /Ore:/);
  assert.deepEqual(await seriousViolations(page), [], "register with errors");
  await page.locator("#hours").fill("7,5");
  await page.locator("#hours").focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/formazione\/corsi\/\d+\?fatto=salvato$/);
  assert.match(await page.locator("main").innerText(), /Corso registrato/);

  await page.locator("#attendee").selectOption({ label: USERS.campo.name });
  await page.locator("#attendee").focus();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.waitForURL(/fatto=presenza$/);
  assert.match(await page.locator("main").innerText(), new RegExp(USERS.campo.name));

  // The certificate: an executable is refused with an Italian message, a PDF is kept.
  const file = page.locator('input[type="file"][name="certificate"]').first();
  await file.setInputFiles({ name: "attestato.pdf", mimeType: "application/pdf", buffer: Buffer.from("MZ\x90\x00 not a pdf") });
  await page.locator('button:has-text("Carica l\'attestato")').first().click();
  await page.waitForLoadState("load");
  assert.match(await page.locator("main").innerText(), /il file non è un PDF/);
  await page.locator('input[type="file"][name="certificate"]').first().setInputFiles({
    name: "attestato.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.7\n%%EOF\n"),
  });
  await page.locator('button:has-text("Carica l\'attestato")').first().click();
  await page.waitForURL(/fatto=attestato$/);
  assert.deepEqual(await seriousViolations(page), [], "course");
  await screenshot(page, "formazione-corso");

  await page.goto(`${server.url}/formazione`);
  assert.doesNotMatch(await page.locator("main").innerText(), new RegExp(`${USERS.campo.name}[^\\n]*Procedura MSNA`));
  assert.match(await page.locator("main").innerText(), /7,5/);
  await screenshot(page, "formazione");
  await close();

  const after = await api(server.url, USERS.coordinatore, "GET", "/api/v1/training/gaps");
  assert.equal(after.items.filter((g) => g.person === USERS.campo.name).length, 0);

  const phone = await openPage(browser, server.url, { width: 390, height: 844 });
  await logIn(phone.page, server.url, USERS.coordinatore);
  await phone.page.goto(`${server.url}/formazione`);
  assert.deepEqual(await seriousViolations(phone.page), [], "register at 390px");
  const courses = await api(server.url, USERS.coordinatore, "GET", "/api/v1/training/courses");
  await phone.page.goto(`${server.url}/formazione/corsi/${courses.items[0].id}`);
  assert.deepEqual(await seriousViolations(phone.page), [], "course at 390px");
  await phone.close();
});
