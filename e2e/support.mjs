// Shared helpers of the browser tests: a real `presidio serve` on a fresh database, Debian's
// chromium driven by playwright-core (never a downloaded browser), and axe-core checks.
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const here = dirname(fileURLToPath(import.meta.url));
export const screenshotsDir = join(here, "..", "docs", "img");

/** The password of every test account (it passes the password rule). */
export const PASSWORD = "cavallo batteria graffetta";

/** The accounts `startPresidio` creates, by role. */
export const USERS = {
  admin: { username: "admin.prova", role: "admin", name: "Anna Amministratrice" },
  coordinatore: { username: "coord.prova", role: "coordinatore", name: "Carlo Coordinatore" },
  centrale: { username: "oc.prova", role: "operatore_centrale", name: "Olivia Centrale" },
  campo: { username: "pis.prova", role: "operatore_pis", name: "Paolo Pronto" },
  rho: { username: "ss.rho", role: "servizio_sociale", name: "Sara Sociale", municipalities: ["015182"] },
  arese: { username: "ss.arese", role: "servizio_sociale", name: "Aldo Arese", municipalities: ["015009"] },
  analista: { username: "an.prova", role: "analista", name: "Alba Analista" },
  asst: {
    username: "ps.rho", role: "partner", name: "Paola Pronto Soccorso",
    organisation: "ASST Rhodense - Pronto soccorso di Rho", organisationKind: "asst",
  },
  carabinieri: {
    username: "cc.rho", role: "segnalante", name: "Marco Carabiniere",
    organisation: "Carabinieri - Stazione di Rho", organisationKind: "forze_ordine",
  },
};

/** Calls the JSON API as `user`; resolves to the parsed body, throwing on an unexpected status. */
export async function api(baseUrl, user, method, path, body, expected = [200, 201]) {
  const login = await fetch(baseUrl + "/api/v1/auth/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: user.username, password: PASSWORD }),
  });
  const { token } = await login.json();
  const res = await fetch(baseUrl + path, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function addUser(bin, database, { username, role, name, municipalities = [], organisation, organisationKind }) {
  const places = municipalities.flatMap((m) => ["--municipality", m]);
  if (organisation) places.push("--organisation", organisation, "--organisation-kind", organisationKind);
  const out = spawnSync(
    bin,
    ["user", "add", "--username", username, "--name", name, "--role", role, ...places, "--password-stdin", "--database", database],
    { input: PASSWORD + "\n", encoding: "utf8", env: { ...process.env, PRESIDIO_LOG: "warn" } },
  );
  if (out.status !== 0) throw new Error(`user add ${username} failed: ${out.stderr}`);
}

/**
 * Starts presidio on a fresh SQLite database and a free port; resolves to
 * { url, stop, output, sql }, `sql` running a statement on the database (to move a day, as the
 * calendar would).
 * With `withUsers` (the default) the accounts of USERS exist; without, the database is empty and
 * `output` holds the one-time set-up link the server prints.
 */
export async function startPresidio({ withUsers = true } = {}) {
  const bin = process.env.PRESIDIO_BIN;
  if (!bin) throw new Error("PRESIDIO_BIN must name the presidio binary");
  const dir = mkdtempSync(join(tmpdir(), "presidio-e2e-"));
  const database = `sqlite://${dir}/presidio.db`;
  if (withUsers) for (const user of Object.values(USERS)) addUser(bin, database, user);
  const child = spawn(bin, ["serve", "--addr", "127.0.0.1:0", "--database", database], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, PRESIDIO_LOG: "warn" },
  });
  const url = await new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`presidio did not start: ${seen}`)), 60_000);
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(/http:\/\/[0-9.:]+/);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.on("exit", (code) => reject(new Error(`presidio exited with ${code}: ${seen}`)));
  });
  const output = { text: "" };
  child.stdout.on("data", (chunk) => {
    output.text += chunk;
  });
  const stop = () =>
    new Promise((resolve) => {
      child.removeAllListeners("exit");
      child.on("exit", resolve);
      child.kill("SIGTERM");
    });
  const sql = (statement) => {
    const out = spawnSync("sqlite3", ["-cmd", ".timeout 5000", `${dir}/presidio.db`, statement], { encoding: "utf8" });
    if (out.status !== 0) throw new Error(`sqlite3 failed: ${out.stderr}`);
    return out.stdout;
  };
  return { url, stop, output, sql };
}

/** Signs in through the login form, with the keyboard only. */
export async function logIn(page, baseUrl, user) {
  await page.goto(baseUrl + "/accesso");
  await page.locator("#username").focus();
  await page.keyboard.type(user.username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL((u) => !u.pathname.startsWith("/accesso"));
}

/** Debian chromium, headless, with no network but loopback. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--lang=it-IT",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Opens a page that records what must never happen: console errors (CSP violations show there),
 * uncaught exceptions, and requests to any host other than the server under test.
 */
export async function openPage(browser, baseUrl, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: "it-IT", timezoneId: "Europe/Rome" });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    // Failed loads are reported below, with their URL.
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) problems.push(`console: ${msg.text()}`);
  });
  page.on("response", (res) => {
    const isDocument = res.request().resourceType() === "document";
    if (res.status() >= 400 && !isDocument) problems.push(`failed load: ${res.status()} ${res.url()}`);
  });
  page.on("pageerror", (err) => problems.push(`exception: ${err.message}`));
  page.on("request", (req) => {
    if (!req.url().startsWith(baseUrl) && !req.url().startsWith("data:")) problems.push(`external request: ${req.url()}`);
  });
  return { page, problems, close: () => context.close() };
}

/** The serious and critical axe violations of the page, WCAG 2.1 A and AA. */
export async function seriousViolations(page) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Saves a screenshot for the user guides in docs/img. */
export async function screenshot(page, name) {
  mkdirSync(screenshotsDir, { recursive: true });
  // caret "initial": hiding the caret sets an inline style, which the CSP refuses (a console error).
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true, caret: "initial" });
}

/** The six-digit RFC 6238 code of a base32 secret at `unixSeconds` (what an authenticator app shows). */
export function totp(base32, unixSeconds = Math.floor(Date.now() / 1000)) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/[\s=]/g, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, "0");
}

// The day `days` after today in Rome, as the server counts it, as YYYY-MM-DD.
export function inDays(days) {
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Europe/Rome" });
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
