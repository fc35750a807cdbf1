// Presidio's service worker (our own, nothing from elsewhere), for the field view (scope /campo;
// the other pages are never touched). It keeps the assets the field view loads (their names
// change with their content) and the last field view the operator opened, so that the field
// view opens without network and shows the last known cases; it shows the push notifications
// of alerts and alarms, and opens their link when tapped. Signing out forgets the field view.
"use strict";

const CACHE = "presidio-campo-v1";
const FIELD = "/campo";

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.open(CACHE).then((cache) => cache.match(request).then((hit) => hit ||
      fetch(request).then((response) => {
        if (response.ok) cache.put(request, response.clone());
        return response;
      }))));
    return;
  }
  if (request.mode === "navigate" && url.pathname === FIELD) {
    event.respondWith(fetch(request)
      .then((response) => {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => (response.ok && !response.redirected
          ? cache.put(FIELD, copy)
          : cache.delete(FIELD)));
        return response;
      })
      .catch(() => caches.open(CACHE).then((cache) => cache.match(FIELD)).then((hit) => hit || Response.error())));
  }
});

self.addEventListener("message", (event) => {
  if (event.data === "forget") event.waitUntil(caches.open(CACHE).then((cache) => cache.delete(FIELD)));
});

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Presidio", {
    data: { url: data.url || FIELD },
    icon: "__ICON__",
    requireInteraction: true,
    tag: data.title || "presidio",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data.url || FIELD, self.location.origin);
  const url = target.origin === self.location.origin ? target.href : FIELD;
  event.waitUntil(self.clients.openWindow(url));
});
