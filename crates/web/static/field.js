// Presidio's field view without network: a step or a diary note tapped is kept on the phone
// (IndexedDB) with a key of its own, the dispatch's version as known and the time of the tap,
// and sent at once; without network it waits, and when the network is back the waiting ones
// are sent in order, each with its Idempotency-Key (a second sending creates nothing). A step on a dispatch that changed meanwhile comes back with the
// dispatch as it is now, and waits here for the operator to send it again or discard it.
// Every text shown comes from the page (data-* attributes), that is from the catalogue.
"use strict";

(function () {
  const root = document.getElementById("field-queue");
  if (!root || !window.indexedDB) return;
  const status = document.getElementById("field-queue-status");
  const list = document.getElementById("field-queue-list");
  const text = (name, values) =>
    Object.entries(values || {}).reduce((s, [k, v]) => s.split("{" + k + "}").join(v), root.dataset[name] || "");
  const clock = new Intl.DateTimeFormat("it-IT", { timeZone: "Europe/Rome", hour: "2-digit", minute: "2-digit" });

  const opened = new Promise((resolve, reject) => {
    const request = indexedDB.open("presidio-campo", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("coda", { keyPath: "id", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const store = (mode, work) =>
    opened.then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction("coda", mode);
      const result = work(tx.objectStore("coda"));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    }));
  const all = () => store("readonly", (s) => s.getAll()).then((items) => (items || []).sort((a, b) => a.id - b.id));
  const put = (item) => store("readwrite", (s) => s.put(item));
  const drop = (id) => store("readwrite", (s) => s.delete(id));

  const button = (label, action) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-outline-primary btn-sm me-2 mt-1";
    b.textContent = label;
    b.addEventListener("click", action);
    return b;
  };

  const render = () => all().then((items) => {
    const pending = items.filter((i) => i.state === "pending");
    const lines = [];
    if (!navigator.onLine) lines.push(text("offline"));
    if (pending.length === 1) lines.push(text("pendingOne"));
    if (pending.length > 1) lines.push(text("pendingMany", { n: String(pending.length) }));
    status.textContent = lines.join(" ");
    status.hidden = lines.length === 0;
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      li.className = "mb-2";
      const what = document.createElement("span");
      what.className = "d-block";
      what.textContent = item.label + " · " + text("tapped", { time: clock.format(new Date(item.tapped_at)) });
      li.append(what);
      if (item.state !== "pending") {
        const why = document.createElement("span");
        why.className = "d-block text-danger";
        why.textContent = item.state === "conflict"
          ? text("conflict", { current: item.current || "" })
          : text("refused", { message: item.message || "" });
        li.append(why);
        li.append(button(text("retry"), () => {
          item.state = "pending";
          item.key = crypto.randomUUID();
          if (item.current_version) item.version = item.current_version;
          put(item).then(send);
        }));
        li.append(button(text("discard"), () => drop(item.id).then(render)));
      }
      return li;
    }));
  });

  let sending = false;
  const send = () => {
    if (sending || !navigator.onLine) return render();
    sending = true;
    let sent = 0;
    const next = () => all().then((items) => {
      const item = items.find((i) => i.state === "pending");
      if (!item) return;
      const body = {
        action: item.action, report_id: item.report_id, dispatch_id: item.dispatch_id,
        step: item.step, version: item.version, text: item.text, tapped_at: item.tapped_at,
      };
      return fetch("/campo/invio", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": root.dataset.csrf, "idempotency-key": item.key },
        body: JSON.stringify(body),
      }).then((r) => r.text().then((raw) => {
        const answer = raw ? JSON.parse(raw) : {};
        if (r.ok) {
          sent += 1;
          // The later steps queued on the same dispatch follow the version this one made.
          const moved = items.filter((i) => i.state === "pending" && i.id !== item.id &&
            i.dispatch_id === item.dispatch_id && i.version === item.version && answer.version);
          return Promise.all(moved.map((i) => put(Object.assign(i, { version: answer.version }))))
            .then(() => drop(item.id)).then(next);
        }
        if (r.status >= 500) return Promise.reject(r.status);
        const error = answer.error || {};
        if (r.status === 409 && error.current) {
          item.state = "conflict";
          item.current = error.current.stage;
          item.current_version = error.current.version;
        } else {
          item.state = "refused";
          item.message = [error.message].concat(Object.values(error.fields || {})).filter(Boolean).join(" ");
        }
        return put(item).then(next);
      }));
    });
    return next()
      .catch(() => {})
      .finally(() => {
        sending = false;
        if (sent > 0) window.location.reload();
        else render();
      });
  };

  // Every tap goes through the queue, network or not: a phone that says it is online may not
  // be (one bar in a stairwell), and nothing tapped may be lost.
  document.querySelectorAll("form[data-offline]").forEach((form) => form.addEventListener("submit", (e) => {
    e.preventDefault();
    const field = (name) => form.querySelector("[name='" + name + "']");
    const note = field("text");
    const item = {
      key: crypto.randomUUID(),
      action: form.dataset.offline,
      report_id: Number(form.dataset.report),
      dispatch_id: Number(form.dataset.dispatch || 0),
      step: e.submitter && e.submitter.name === "step" ? e.submitter.value : "",
      version: Number((field("version") || {}).value || 0),
      text: note ? note.value : "",
      tapped_at: new Date().toISOString(),
      label: form.dataset.label + (e.submitter && e.submitter.name === "step" ? " · " + e.submitter.textContent.trim() : ""),
      state: "pending",
    };
    put(item).then(() => {
      if (note) note.value = "";
      return render();
    }).then(send);
  }));

  window.addEventListener("online", send);
  window.addEventListener("offline", render);
  send();
})();

// While this phone gets no notifications, the field view offers them; the script that
// subscribes (push.js) comes with the first tap.
(function () {
  const box = document.getElementById("push-subscribe");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  if (Notification.permission === "denied") return;
  navigator.serviceWorker.getRegistration("/campo")
    .then((r) => (r ? r.pushManager.getSubscription() : null))
    .then((subscribed) => {
      if (subscribed) return;
      box.hidden = false;
      document.getElementById("push-button").addEventListener("click", () => {
        const script = document.createElement("script");
        script.src = box.dataset.script;
        document.head.append(script);
      }, { once: true });
    })
    .catch(() => {});
})();
