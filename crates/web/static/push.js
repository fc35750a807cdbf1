// Presidio's profile: subscribes this device to push notifications (alerts and alarms), with the
// key the page carries; the service worker shows them. Texts come from the page.
"use strict";

(function () {
  const box = document.getElementById("push-subscribe");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  box.hidden = false;
  const status = document.getElementById("push-status");
  const key = Uint8Array.from(atob(box.dataset.key.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  document.getElementById("push-button").addEventListener("click", async () => {
    status.textContent = "";
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        status.textContent = box.dataset.denied;
        return;
      }
      const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/campo" });
      const worker = registration.installing || registration.waiting;
      if (!registration.active && worker) {
        await new Promise((resolve) => worker.addEventListener("statechange", () => worker.state === "activated" && resolve()));
      }
      const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      const json = subscription.toJSON();
      const r = await fetch("/profilo/push", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": box.dataset.csrf },
        body: JSON.stringify({
          endpoint: json.endpoint, p256dh: json.keys.p256dh, auth: json.keys.auth,
          label: document.getElementById("push-label").value,
        }),
      });
      if (r.ok) {
        window.location.hash = "push";
        window.location.reload();
        return;
      }
      const answer = await r.json().catch(() => ({}));
      const error = answer.error || {};
      status.textContent = [error.message].concat(Object.values(error.fields || {})).filter(Boolean).join(" ") || box.dataset.failed;
    } catch (e) {
      status.textContent = box.dataset.failed;
    }
  });
})();
