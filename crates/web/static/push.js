// Presidio: subscribes this device to push notifications (alerts and alarms), with the key the
// page carries; the service worker shows them. On the profile the button is shown at once; the
// field view loads this script with the first tap on its button (`data-script`), and it
// subscribes at once. Texts come from the page.
"use strict";

(function () {
  const box = document.getElementById("push-subscribe");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  const status = document.getElementById("push-status");
  const button = document.getElementById("push-button");
  const key = Uint8Array.from(atob(box.dataset.key.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const subscribe = async () => {
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
      const label = document.getElementById("push-label");
      const r = await fetch("/profilo/push", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": box.dataset.csrf },
        body: JSON.stringify({
          endpoint: json.endpoint, p256dh: json.keys.p256dh, auth: json.keys.auth,
          label: label ? label.value : box.dataset.label,
        }),
      });
      if (r.ok) {
        if (box.dataset.script) box.hidden = true;
        else {
          window.location.hash = "push";
          window.location.reload();
        }
        return;
      }
      const answer = await r.json().catch(() => ({}));
      const error = answer.error || {};
      status.textContent = [error.message].concat(Object.values(error.fields || {})).filter(Boolean).join(" ") || box.dataset.failed;
    } catch (e) {
      status.textContent = box.dataset.failed;
    }
  };
  button.addEventListener("click", subscribe);
  if (box.dataset.script) subscribe();
  else box.hidden = false;
})();
