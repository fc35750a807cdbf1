// The Italian shell: every page renders in Italian, passes axe, works with the keyboard and on a
// phone, and loads nothing from another host.
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

const pages = [
  { path: "/", heading: "Bacheca della Centrale", shot: "inizio" },
  { path: "/ambiti/rhodense", heading: "Comuni dell'Ambito Territoriale Sociale Rhodense", shot: "comuni" },
  { path: "/informazioni", heading: "Informazioni", shot: "informazioni" },
  { path: "/risorse", heading: "Risorse e posti liberi", shot: null },
  { path: "/bilancio", heading: "Bilancio delle risorse", shot: null },
  { path: "/campo", heading: "Vista di campo", shot: null },
  { path: "/passaggi", heading: "Passaggi ai servizi sociali", shot: null },
  { path: "/riepilogo", heading: "Riepilogo del mattino", shot: "riepilogo" },
  { path: "/statistiche", heading: "Dati dell'attività", shot: "statistiche" },
  { path: "/statistiche/importa", heading: "Importare lo storico delle segnalazioni", shot: null },
  { path: "/api", heading: "API JSON", shot: "api" },
  { path: "/pagina-inesistente", heading: "Pagina non trovata", shot: null },
];

test("the home page (the board, for a coordinator) renders in Italian with no serious or critical axe violation", async () => {
  const { page, problems, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(server.url + "/");
  assert.equal(await page.getAttribute("html", "lang"), "it");
  assert.match(await page.title(), /Bacheca della Centrale · Presidio/);
  assert.equal(await page.locator("h1").innerText(), "Bacheca della Centrale");
  assert.match(await page.locator("main").innerText(), /Nuova segnalazione/);
  // The UI kit's stylesheet and font are in use, served by Presidio itself.
  const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  assert.match(font, /Titillium Web/);
  assert.ok(await page.evaluate(() => document.fonts.check('16px "Titillium Web"')), "Titillium Web loaded");
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(problems, []);
  await close();
});

for (const { path, heading, shot } of pages) {
  test(`${path} passes axe and loads only local resources`, async () => {
    const { page, problems, close } = await openPage(browser, server.url);
    await logIn(page, server.url, USERS.coordinatore);
    await page.goto(server.url + path);
    assert.equal(await page.locator("h1").innerText(), heading);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(problems, []);
    if (shot) await screenshot(page, shot);
    await close();
  });
}

test("the skip link is the first stop of the keyboard and lands on the content", async () => {
  const { page, close } = await openPage(browser, server.url);
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(server.url + "/");
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement.textContent.trim());
  assert.equal(focused, "Vai al contenuto principale");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "main-content");
  await close();
});

test("on a 390 px phone the page fits and the menu opens from its button", async () => {
  const { page, problems, close } = await openPage(browser, server.url, { width: 390, height: 844 });
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(server.url + "/ambiti/rhodense");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  const toggle = page.getByRole("button", { name: "Apri o chiudi il menu" }).first();
  assert.ok(await toggle.isVisible(), "the menu button shows on a phone");
  await toggle.click();
  const nav = page.getByRole("navigation", { name: /menu|principale/i });
  const group = nav.getByRole("button", { name: "Riferimenti" });
  await group.waitFor({ state: "visible" });
  await group.click();
  const link = nav.getByRole("link", { name: "Calendario" }).first();
  await link.waitFor({ state: "visible" });
  await link.click();
  await page.waitForURL((u) => u.pathname.startsWith("/calendario"));
  await page.goto(server.url + "/informazioni");
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(problems, []);
  await screenshot(page, "telefono-informazioni");
  await close();
});

// On a 390 px phone every page fits the width and passes axe (scrollable tables are keyboard
// regions), the administrator's pages included.
const phonePages = [
  { user: USERS.coordinatore, path: "/api" },
  { user: USERS.coordinatore, path: "/" },
  { user: USERS.admin, path: "/amministrazione/utenti" },
  { user: USERS.admin, path: "/amministrazione/token" },
  { user: USERS.admin, path: "/amministrazione/registro" },
  { user: USERS.coordinatore, path: "/pagina-inesistente" },
];
for (const { user, path } of phonePages) {
  test(`${path} fits a 390 px phone and passes axe there (${user.role})`, async () => {
    const { page, problems, close } = await openPage(browser, server.url, { width: 390, height: 844 });
    await logIn(page, server.url, user);
    await page.goto(server.url + path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the phone`);
    assert.deepEqual(await seriousViolations(page), []);
    if (path === "/pagina-inesistente") {
      assert.equal(await page.getByRole("link", { name: "Accedi" }).count(), 0, "no sign-in offered to a signed-in user");
    }
    assert.deepEqual(problems.filter((p) => !/404/.test(p)), []);
    await close();
  });
}

test("on a 1280 px window every menu entry shows whole, on one line", async () => {
  const { page, close } = await openPage(browser, server.url, { width: 1280, height: 800 });
  await logIn(page, server.url, USERS.coordinatore);
  await page.goto(server.url + "/");
  const links = await page.evaluate(() => [...document.querySelectorAll(".it-header-navbar-wrapper .nav-link")].map((a) => {
    const r = a.getBoundingClientRect();
    return { text: a.textContent.trim(), height: r.height, right: r.right, lineHeight: parseFloat(getComputedStyle(a).lineHeight) || 24 };
  }));
  assert.ok(links.length >= 8, `the coordinator's menu: ${JSON.stringify(links)}`);
  for (const l of links) {
    assert.ok(l.right <= 1280, `${l.text} is cut off at the right`);
    assert.ok(l.height < 2 * l.lineHeight + 24, `${l.text} wraps (${l.height}px)`);
  }
  // The grouped entries open from the keyboard: Enter on "Riferimenti", arrow down, Enter (the
  // first is the network directory).
  await page.getByRole("button", { name: "Riferimenti" }).focus();
  await page.keyboard.press("Enter");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => u.pathname.startsWith("/rete"));
  assert.equal(await page.getByRole("button", { name: "Riferimenti" }).getAttribute("class").then((c) => /active/.test(c)), true);
  await close();
});
