// Signing in and out, the CSRF guard, the first-run set-up link and the administration screens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startPresidio, launchBrowser, openPage, seriousViolations, screenshot, logIn, USERS, PASSWORD, totp,
} from "../support.mjs";

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

test("a visitor is sent to the login page, which passes axe and refuses a wrong password in Italian", async () => {
  const { page, problems, close } = await openPage(browser, server.url);
  await page.goto(server.url + "/ambiti");
  assert.equal(new URL(page.url()).pathname, "/accesso");
  assert.equal(await page.locator("h1").innerText(), "Accesso");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "accesso");
  await page.fill("#username", USERS.coordinatore.username);
  await page.fill("#password", "non-e-la-password");
  await page.press("#password", "Enter");
  await page.waitForLoadState();
  assert.match(await page.locator("[role=alert]").innerText(), /Nome utente o password non corretti/);
  assert.equal(await page.inputValue("#username"), USERS.coordinatore.username, "the username stays");
  assert.deepEqual(await seriousViolations(page), []);
  // With the keyboard alone the right password gets in, back where the visitor was going.
  await page.goto(server.url + "/ambiti/rhodense");
  await logIn(page, server.url, USERS.coordinatore);
  assert.match(await page.locator("header").innerText(), /Carlo Coordinatore/);
  assert.deepEqual(problems, []);
  await close();
});

test("a form without its CSRF token is refused and changes nothing", async () => {
  const { page, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(server.url + "/profilo");
  // Strip the token from the "log out everywhere" form, then send it.
  await page.evaluate(() => {
    document.querySelectorAll('form[action="/profilo/esci-ovunque"] input[name=csrf]').forEach((i) => i.remove());
  });
  await page.getByRole("button", { name: "Esci da tutti i dispositivi" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator("main").innerText(), /Il modulo è scaduto/);
  assert.deepEqual(await seriousViolations(page), []);
  // Still signed in: nothing was logged out.
  await page.goto(server.url + "/profilo");
  assert.equal(await page.locator("h1").innerText(), "Il mio profilo");
  await screenshot(page, "profilo");
  // With the token, the same button works.
  await page.getByRole("button", { name: "Esci da tutti i dispositivi" }).click();
  await page.waitForURL((u) => u.pathname === "/accesso");
  await page.goto(server.url + "/profilo");
  assert.equal(new URL(page.url()).pathname, "/accesso");
  await close();
});

test("on a phone, the channels of the other messages are chosen with the keyboard alone", async () => {
  const { page, problems, close } = await openPage(browser, server.url, { width: 390, height: 844 });
  await logIn(page, server.url, USERS.campo);
  await page.goto(server.url + "/profilo#canali");
  assert.deepEqual(await seriousViolations(page), []);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no sideways scrolling");
  const team = page.getByRole("group", { name: "Inviti nelle équipe e compiti assegnati" });
  const push = team.getByRole("checkbox", { name: "Notifica sul telefono" });
  const email = team.getByRole("checkbox", { name: "E-mail" });
  assert.equal(await email.isChecked(), true, "e-mail until chosen");
  assert.equal(await push.isChecked(), false);
  // From the e-mail box: Space clears it, Tab to the push box, Space ticks it.
  await email.focus();
  await page.keyboard.press("Space");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "team-push");
  await page.keyboard.press("Space");
  await page.getByRole("button", { name: "Salva le scelte" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => u.pathname === "/profilo");
  assert.equal(await push.isChecked(), true);
  assert.equal(await email.isChecked(), false);
  const summary = page.getByRole("group", { name: "Riepilogo del mattino" });
  assert.equal(await summary.getByRole("checkbox", { name: "E-mail" }).isChecked(), true, "the others keep theirs");
  await page.locator("#canali").scrollIntoViewIfNeeded();
  await screenshot(page, "profilo-avvisi");
  assert.deepEqual(problems, []);
  await close();
});

test("the administration screens pass axe; an admin creates an account from the form", async () => {
  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.admin);
  await page.goto(server.url + "/amministrazione/utenti");
  assert.equal(await page.locator("h1").innerText(), "Utenti");
  assert.deepEqual(await seriousViolations(page), []);
  // A refused form names the fields and passes axe too.
  await page.getByRole("button", { name: "Crea l'utente" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".alert-danger").innerText(), /Nome utente: campo obbligatorio/);
  assert.deepEqual(await seriousViolations(page), []);
  await page.fill("#username", "o.pis");
  await page.fill("#name", "Olga Operatrice");
  await page.fill("#organisation", "Cooperativa Sociale");
  await page.selectOption("#organisation_kind", "cooperativa");
  await page.selectOption("#role", "operatore_pis");
  await page.fill("#password", PASSWORD);
  await page.getByRole("button", { name: "Crea l'utente" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator("[role=status]").innerText(), /Utente o\.pis creato/);
  await screenshot(page, "amministrazione-utenti");
  await page.goto(server.url + "/amministrazione/utenti/o.pis");
  assert.equal(await page.locator("h1").innerText(), "Olga Operatrice");
  assert.deepEqual(await seriousViolations(page), [], "user page");
  await screenshot(page, "amministrazione-utente");
  for (const [path, heading, shot] of [
    ["/amministrazione/organizzazioni", "Organizzazioni", "amministrazione-organizzazioni"],
    ["/amministrazione/token", "Token API", "amministrazione-token"],
    ["/amministrazione/messaggi", "Messaggi in uscita", "amministrazione-messaggi"],
    ["/amministrazione/registro?action=login_ok", "Registro degli accessi", "amministrazione-registro"],
  ]) {
    await page.goto(server.url + path);
    assert.equal(await page.locator("h1").innerText(), heading);
    assert.deepEqual(await seriousViolations(page), [], path);
    await screenshot(page, shot);
  }
  assert.match(await page.locator("table").innerText(), /coord\.prova/);
  assert.deepEqual(problems, []);
  await close();
});

test("the SIUSS settings pass axe on a desktop and a phone and save from the keyboard", async () => {
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems, close } = await openPage(browser, server.url, viewport);
    await logIn(page, server.url, USERS.admin);
    await page.goto(server.url + "/amministrazione/siuss");
    assert.equal(await page.locator("h1").innerText(), "SIUSS");
    assert.deepEqual(await seriousViolations(page), []);
    if (viewport.width === 390) {
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "no sideways scrolling");
      await close();
      continue;
    }
    // A refused form names its fields and passes axe too.
    await page.locator("#codice_ente").focus();
    await page.keyboard.type("SERCOP");
    await page.keyboard.press("Enter");
    await page.waitForLoadState();
    assert.match(await page.locator(".alert-danger").innerText(), /Denominazione dell'ente/);
    assert.deepEqual(await seriousViolations(page), []);
    await page.fill("#denominazione_ente", "Azienda speciale consortile SER.CO.P.");
    await page.fill("#belfiore_sede", "H264");
    await page.fill("#cf_operatore", "RSSMRA80A01H264B");
    await page.fill('[id="prestazioni[2].codice"]', "A2.16");
    await page.fill('[id="prestazioni[2].denominazione"]', "Accoglienza notturna di emergenza");
    await page.locator('[id="prestazioni[2].denominazione"]').press("Enter");
    await page.waitForURL((u) => u.searchParams.get("salvato") === "1");
    assert.match(await page.locator("[role=status]").first().innerText(), /salvate/);
    await screenshot(page, "amministrazione-siuss");
    assert.deepEqual(problems, []);
    await close();
  }
});

test("a coordinator is refused the administration", async () => {
  const { page, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.coordinatore);
  const response = await page.goto(server.url + "/amministrazione/utenti");
  assert.equal(response.status(), 403);
  assert.deepEqual(await seriousViolations(page), []);
  assert.equal(await page.getByRole("link", { name: "Amministrazione" }).count(), 0);
  await close();
});

test("on an empty installation the one-time link creates the first administrator", async () => {
  const fresh = await startPresidio({ withUsers: false });
  try {
    let link;
    for (let i = 0; i < 100 && !link; i++) {
      link = fresh.output.text.match(/http:\/\/\S+\/configurazione-iniziale\?codice=[0-9a-f]+/)?.[0];
      if (!link) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(link, `no set-up link in: ${fresh.output.text}`);
    const { page, problems, close } = await openPage(browser, fresh.url);
    await page.goto(link);
    assert.equal(await page.locator("h1").innerText(), "Configurazione iniziale");
    assert.deepEqual(await seriousViolations(page), []);
    await page.fill("#name", "Anna Bianchi");
    await page.fill("#username", "abianchi");
    await page.fill("#password", PASSWORD);
    await page.fill("#password_confirm", PASSWORD);
    await screenshot(page, "configurazione-iniziale");
    await page.getByRole("button", { name: "Crea l'amministratore ed entra" }).click();
    await page.waitForURL((u) => u.pathname === "/amministrazione/utenti");
    assert.match(await page.locator("table").innerText(), /abianchi/);
    // The link does not work twice.
    const again = await page.goto(link);
    assert.equal(again.status(), 404);
    assert.deepEqual(problems, []);
    await close();
  } finally {
    await fresh.stop();
  }
});

test("a user sets up the second factor, then signs in with the code from the keyboard", async () => {
  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.admin);
  await page.goto(server.url + "/profilo/due-fattori");
  assert.equal(await page.locator("h1").innerText(), "Verifica in due passaggi");
  assert.ok(await page.locator("figure.qr-code svg").isVisible(), "the QR code shows");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "due-fattori");
  const secret = await page.inputValue("input[name=secret]");
  await page.fill("#totp_code", totp(secret));
  await page.getByRole("button", { name: "Attiva" }).click();
  await page.waitForLoadState();
  assert.equal(await page.locator("#recovery-codes li").count(), 10);
  assert.deepEqual(await seriousViolations(page), []);
  // Out and in again: after the password, the code page.
  await page.getByRole("button", { name: "Esci" }).click();
  await page.waitForURL((u) => u.pathname === "/accesso");
  await page.fill("#username", USERS.admin.username);
  await page.fill("#password", PASSWORD);
  await page.press("#password", "Enter");
  await page.waitForURL((u) => u.pathname === "/accesso/codice");
  assert.equal(await page.locator("h1").innerText(), "Codice di verifica");
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, "codice-di-verifica");
  // The code field has the focus: type the next code and press Enter.
  await page.keyboard.type(totp(secret, Math.floor(Date.now() / 1000) + 30));
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => !u.pathname.startsWith("/accesso"));
  assert.match(await page.locator("header").innerText(), /Anna Amministratrice/);
  assert.deepEqual(problems, []);
  await close();
});
