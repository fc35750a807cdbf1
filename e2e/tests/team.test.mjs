// The case team: the coordinator invites the emergency room's referent to an emergency with the
// sections "intervento" and "procedure"; before accepting, the partner does not reach the case;
// after accepting, the partner reads those sections and not the reporter's narrative; removal
// ends access on the next request.
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

test("the coordinator plans a conference and records its minutes; the partner moves the task", async () => {
  const report = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "carabinieri", organization: "Stazione di Rho" },
    municipality: "015182", place: "Via Madonna", target_group: "fragilita",
    persons: [{ role: "beneficiario", name: "Gino Bianchi", sex: "M", age: 61 }],
    description: "Persona senza dimora al freddo",
  });
  const member = await api(server.url, USERS.coordinatore, "POST", `/api/v1/reports/${report.id}/team`, {
    user: USERS.asst.username, role_in_case: "referente_sanitario", sections: ["intervento"],
    until: inDays(30),
  });
  await api(server.url, USERS.asst, "POST", `/api/v1/team/${member.id}/answer`, { accept: true }, [204]);

  const desk = await openPage(browser, server.url, { width: 1280, height: 900 });
  await logIn(desk.page, server.url, USERS.coordinatore);
  await desk.page.goto(`${server.url}/segnalazioni/${report.id}#equipe`);
  await desk.page.getByRole("link", { name: "Pianifica una riunione" }).click();
  await desk.page.waitForURL(new RegExp(`/segnalazioni/${report.id}/riunioni/nuova$`));
  assert.deepEqual(await seriousViolations(desk.page), [], "new conference page");
  // Sent empty, the form names the fields and keeps the page.
  await desk.page.getByRole("button", { name: "Pianifica" }).click();
  assert.match(await desk.page.locator("main").innerText(), /Data e ora/);
  assert.deepEqual(await seriousViolations(desk.page), [], "new conference page with errors");
  await desk.page.locator("#at").fill(`${inDays(3)}T09:30`);
  await desk.page.locator("#place").fill("Sala Cadorna");
  await desk.page.locator('[name="participants"]').first().focus();
  await desk.page.keyboard.press("Space");
  await desk.page.getByRole("button", { name: "Pianifica" }).click();
  await desk.page.waitForURL(/\/equipe\/riunioni\/\d+$/);
  assert.match(await desk.page.locator("main").innerText(), /Paola Pronto Soccorso/);
  assert.deepEqual(await seriousViolations(desk.page), [], "conference page");
  await desk.page.locator('[id="text"]').fill("Concordato un accompagnamento al pronto soccorso.");
  await desk.page.locator('[id="decisions[0].task"]').fill("Visita di controllo");
  await desk.page.locator('[id="decisions[0].owner_member_id"]').selectOption({ index: 1 });
  await desk.page.locator('[id="decisions[0].due"]').fill(inDays(7));
  await screenshot(desk.page, "equipe-riunione");
  await desk.page.getByRole("button", { name: "Registra il verbale" }).click();
  await desk.page.waitForURL(/\/equipe\/riunioni\/\d+$/);
  const minutes = await desk.page.locator("main").innerText();
  assert.match(minutes, /Concordato un accompagnamento/);
  assert.match(minutes, /Visita di controllo/);
  assert.deepEqual(await seriousViolations(desk.page), [], "conference page with minutes");

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.asst);
    await page.goto(server.url + "/equipe");
    assert.match(await page.locator("main").innerText(), /Visita di controllo/);
    assert.deepEqual(await seriousViolations(page), [], `tasks at ${viewport.width}px`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `${width}px wide`);
    // The conference, as a participant reads it: its minutes and its task.
    await page.locator('a[href^="/equipe/riunioni/"]').first().click();
    await page.waitForURL(/\/equipe\/riunioni\/\d+$/);
    assert.match(await page.locator("main").innerText(), /Concordato un accompagnamento/);
    assert.deepEqual(await seriousViolations(page), [], `conference at ${viewport.width}px`);
    await page.goto(server.url + "/equipe");
    if (viewport.width < 400) {
      // By keyboard: the status select, then Tab to "Salva", Enter.
      const status = page.locator('[id^="status-"]').first();
      await status.selectOption("in_progress");
      await status.focus();
      await page.keyboard.press("Tab");
      await Promise.all([
        page.waitForResponse((r) => r.url().includes("/equipe/compiti/")),
        page.keyboard.press("Enter"),
      ]);
      await page.waitForLoadState("load");
      await page.locator("main").getByText(/· In corso/).first().waitFor();
      await screenshot(page, "equipe-compiti");
    }
    assert.deepEqual(problems, []);
    await close();
  }
  await desk.close();
});

test("a social service tells a 30-day outcome and the dashboard's Efficacia counts it", async () => {
  const report = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "carabinieri", organization: "Stazione di Rho" },
    municipality: "015182", place: "Via Madonna", target_group: "fragilita",
    persons: [{ role: "beneficiario", name: "Ada Neri", sex: "F", age: 82 }],
    description: "Persona anziana sola, senza riscaldamento",
  });
  await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${report.id}/triage`,
    { outcome: "urgenza", rationale: "Serve il servizio sociale" });
  let handover = await api(server.url, USERS.centrale, "POST", `/api/v1/reports/${report.id}/handover`);
  for (const outcome of ["acknowledged", "taken_in_charge"]) {
    handover = await api(server.url, USERS.rho, "POST", `/api/v1/handovers/${handover.id}/answer`,
      { outcome, reason: "", version: handover.version });
  }
  // Thirty days on: the request falls due.
  server.sql(`UPDATE follow_ups SET due_day = date('now', '-1 day') WHERE report_id = ${report.id} AND days = 30`);

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.rho);
    await page.goto(server.url + "/esiti");
    assert.match(await page.locator("h1").innerText(), /Esiti/);
    assert.deepEqual(await seriousViolations(page), [], `outcomes at ${viewport.width}px`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `${width}px wide`);
    if (viewport.width > 400) {
      await screenshot(page, "esiti");
      // Sent without an outcome: refused, said on the page, still to tell.
      await page.getByRole("button", { name: "Comunica l'esito" }).click();
      await page.locator('[id$="-error"]').first().waitFor();
      assert.deepEqual(await seriousViolations(page), [], "outcomes with an error");
    } else {
      // By keyboard: the outcome, the rating, the note, then Enter.
      await page.locator('[id^="outcome-"]').first().selectOption("situazione_risolta");
      await page.locator('[id^="rating-"]').first().selectOption("5");
      await page.locator('[id^="note-"]').first().focus();
      await page.keyboard.type("Rientrata a casa con assistenza domiciliare");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/esiti$/);
      await page.locator("#comunicati + ul").getByText(/Situazione risolta/).waitFor();
    }
    assert.deepEqual(problems, []);
    await close();
  }

  const { page, close } = await openPage(browser, server.url, { width: 1280, height: 900 });
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(server.url + "/statistiche/cruscotto");
  const row = page.locator("tr", { hasText: "Esito a 30 giorni: Situazione risolta" });
  assert.match(await row.innerText(), /\b1\b/);
  await close();
});

test("a team follows a person across reports: formed from the person's record, read by the partner", async () => {
  const person = { role: "beneficiario", name: "Lucia Marni", sex: "F", age: 38 };
  const first = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "carabinieri", organization: "Stazione di Rho" },
    municipality: "015182", place: "Via Madonna", target_group: "fragilita",
    persons: [person], description: "Prima chiamata della notte",
  });
  const read = await api(server.url, USERS.coordinatore, "GET", `/api/v1/reports/${first.id}`);
  const personId = read.persons[0].person_id;

  const desk = await openPage(browser, server.url, { width: 1280, height: 900 });
  await logIn(desk.page, server.url, USERS.coordinatore);
  await desk.page.goto(`${server.url}/persone/${personId}`);
  await desk.page.locator("#user").fill(USERS.asst.username);
  await desk.page.locator("#role_in_case").selectOption("referente_sanitario");
  await desk.page.locator("#until").fill(inDays(60));
  for (const id of ["#sections-persone", "#sections-intervento"]) {
    await desk.page.locator(id).focus();
    await desk.page.keyboard.press("Space");
  }
  await desk.page.locator("#basis").selectOption("compito_pubblico");
  await desk.page.locator("#consent").focus();
  await desk.page.keyboard.press("Enter");
  await desk.page.waitForURL(new RegExp(`/persone/${personId}#equipe$`));
  const team = await desk.page.locator("#equipe ~ ul").first().innerText();
  assert.match(team, /Paola Pronto Soccorso/);
  assert.deepEqual(await seriousViolations(desk.page), [], "person page with its team");
  await desk.page.locator("#equipe").scrollIntoViewIfNeeded();
  await screenshot(desk.page, "equipe-persona");
  await desk.close();

  // A later report naming the same person is opened too.
  const later = await api(server.url, USERS.centrale, "POST", "/api/v1/reports", {
    channel: "telefono", reporter: { kind: "carabinieri", organization: "Stazione di Rho" },
    municipality: "015182", place: "Stazione di Rho", target_group: "fragilita",
    persons: [{ ...person, person_id: personId }], description: "Seconda chiamata",
  });
  const mine = await api(server.url, USERS.asst, "GET", "/api/v1/team");
  const member = mine.find((m) => m.person_id === personId);
  await api(server.url, USERS.asst, "POST", `/api/v1/team/${member.id}/answer`, { accept: true }, [204]);

  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.asst);
    await page.goto(server.url + "/equipe");
    await page.locator(`a[href="/equipe/persone/${member.id}"]`).click();
    await page.waitForURL(new RegExp(`/equipe/persone/${member.id}$`));
    const text = await page.locator("main").innerText();
    assert.match(text, /Lucia Marni/);
    assert.match(text, new RegExp(first.code));
    assert.match(text, new RegExp(later.code));
    assert.deepEqual(await seriousViolations(page), [], `followed person at ${viewport.width}px`);
    if (viewport.width < 400) await screenshot(page, "equipe-persona-partner");
    await page.locator(`a[href="/equipe/casi/${later.id}"]`).click();
    await page.waitForURL(new RegExp(`/equipe/casi/${later.id}$`));
    assert.doesNotMatch(await page.locator("main").innerText(), /Seconda chiamata/);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `${width}px wide`);
    assert.deepEqual(problems, []);
    await close();
  }
});
