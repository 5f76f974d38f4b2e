// Alerts: a live inbox (polled), high priority first; the frame and the plate crop side by side; review,
// the CLETS step, close with a note; mute for me or for everyone; a sound and a notification if asked.
"use strict";

(() => {
  const { $, api, drawLatest, fillTable, cell, badge, cameraName, when, notice, PAGES } = window.ALPR;
  const POLL_MS = Number(sessionStorage.getItem("alpr-alert-poll-ms")) || 5000;
  const inbox = { timer: null, seen: null, alerts: [], open: null };

  function why() {
    return { purpose: $("alerts-purpose").value, offense: $("alerts-offense").value, case_number: $("alerts-case").value.trim() };
  }

  function problems() {
    const w = why(); const missing = [];
    if (!w.purpose) missing.push("choose a purpose");
    if ($("alerts-offense").required && !w.offense) missing.push("choose an offense type");
    if (w.case_number.length < 3) missing.push("enter a case, incident or shift number");
    return missing;
  }

  async function poll() {
    const w = why();
    try {
      await drawLatest("GET", "/v1/alerts", { params: { purpose: w.purpose, case: w.case_number } }, ({ alerts }) => draw(alerts));
      $("alerts-error").textContent = "";
    } catch (error) { $("alerts-error").textContent = error.message; stop(); }
  }

  // The next check starts when the last one has answered: a slow answer is never overtaken by a newer ask.
  async function keepPolling(generation) {
    await poll();
    if (inbox.timer === generation) inbox.timer = setTimeout(() => keepPolling(inbox.timer), POLL_MS);
  }

  function draw(alerts) {
    const open = alerts.filter((a) => a.status !== "closed");
    const fresh = inbox.seen ? open.filter((a) => !inbox.seen.has(a.alert_id)) : [];
    inbox.seen = new Set(alerts.map((a) => a.alert_id));
    inbox.alerts = alerts;
    // The API sorts high priority first, each newest first.
    fillTable("alerts-table", alerts, (row, a) => {
      row.className = a.priority === "high" ? "priority-high" : "";
      if (a.status === "closed") row.classList.add("closed");
      const priority = row.insertCell();
      badge(priority, a.priority === "high" ? "HIGH" : "normal", a.priority === "high" ? "hot" : "quiet");
      const plate = cell(row, a.plate, "plate");
      if (a.match_kind !== "exact") badge(plate, a.match_kind, "lookalike", a.why);
      if (a.historical) badge(plate, "historical", "quiet", "Found by a search of earlier reads");
      cell(row, a.reason.replaceAll("_", " ")); cell(row, a.case_number); cell(row, cameraName(a.camera_id)); cell(row, when(a.captured_at));
      cell(row, a.status.replace("_", " "));
      const button = document.createElement("button");
      button.type = "button"; button.className = "secondary"; button.textContent = "Open";
      button.setAttribute("aria-label", `Open alert for ${a.plate}`);
      button.onclick = () => openAlert(a.alert_id);
      row.insertCell().append(button);
    });
    $("alerts-table").hidden = alerts.length === 0;
    const high = open.filter((a) => a.priority === "high").length;
    $("alerts-summary").textContent = `${open.length} open alert(s)` + (high ? `, ${high} high priority` : "") + `; checked ${new Date().toLocaleTimeString()}.`;
    $("alert-count").textContent = String(open.length); $("alert-count").hidden = open.length === 0;
    if (fresh.length) announce(fresh);
    if (inbox.open) { const current = alerts.find((a) => a.alert_id === inbox.open.alert_id); if (current) facts(current); }
  }

  function announce(fresh) {
    if (!$("alerts-sound").checked) return;
    try {
      const audio = new AudioContext(); const tone = audio.createOscillator();
      tone.frequency.value = fresh.some((a) => a.priority === "high") ? 880 : 660;
      tone.connect(audio.destination); tone.start(); tone.stop(audio.currentTime + 0.3);
    } catch (e) { /* no audio device */ }
    if ("Notification" in window && Notification.permission === "granted") {
      fresh.forEach((a) => new Notification(`ALPR alert: ${a.plate}`, { body: `${a.reason.replaceAll("_", " ")}, case ${a.case_number}`, tag: a.alert_id }));
    }
  }

  function watch(event) {
    event.preventDefault();
    const missing = problems();
    $("alerts-error").textContent = missing.length ? "To watch: " + missing.join(", ") + "." : "";
    if (missing.length) return;
    if ($("alerts-sound").checked && "Notification" in window && Notification.permission === "default") Notification.requestPermission();
    stop();
    inbox.seen = null;
    inbox.timer = setTimeout(() => keepPolling(inbox.timer), 0);
    $("alerts-watch").hidden = true; $("alerts-stop").hidden = false;
  }

  function stop() {
    if (inbox.timer) clearTimeout(inbox.timer);
    inbox.timer = null;
    $("alerts-watch").hidden = false; $("alerts-stop").hidden = true;
  }

  function fact(list, name, value) {
    if (value === undefined || value === null || value === "") return;
    const dt = document.createElement("dt"); dt.textContent = name;
    const dd = document.createElement("dd"); dd.textContent = value;
    list.append(dt, dd);
  }

  function facts(a) {
    inbox.open = a;
    $("alert-detail-title").textContent = `Alert: ${a.plate}` + (a.priority === "high" ? " (high priority)" : "");
    const list = $("alert-facts"); list.replaceChildren();
    fact(list, "Hotlist entry", `${a.hotlist_value || a.plate} (${a.hotlist_source})`);
    fact(list, "Reason", a.reason.replaceAll("_", " "));
    fact(list, "Case", a.case_number);
    fact(list, "Match", `${a.match_kind}${a.why ? ": " + a.why : ""}`);
    fact(list, "Description", a.description);
    fact(list, "Camera", a.camera_name || cameraName(a.camera_id));
    fact(list, "Place", a.latitude !== null && a.latitude !== undefined ? `${a.latitude}, ${a.longitude}` : "");
    fact(list, "Captured", when(a.captured_at));
    fact(list, "Status", a.status.replace("_", " "));
    fact(list, "Review", a.review ? `${a.review.outcome.replaceAll("_", " ")} by ${a.review.by}${a.review.note ? ": " + a.review.note : ""}` : "not reviewed yet");
    const history = $("alert-history"); history.replaceChildren();
    (a.history || []).forEach((h) => {
      const li = document.createElement("li");
      li.textContent = `${when(h.at)}: ${h.status.replace("_", " ")} by ${h.by}` + (h.clets_reference ? `, CLETS ${h.clets_reference}` : "") + (h.note ? ` — ${h.note}` : "");
      history.append(li);
    });
    $("alert-review-form").hidden = a.status === "closed";
    $("alert-clets-form").hidden = a.status !== "new";
    $("alert-close-form").hidden = a.status === "new" || a.status === "closed";
    $("alert-mute-me").hidden = $("alert-mute-all").hidden = a.priority === "high";
  }

  async function picture(imgId, alertId, what, alt) {
    const image = $(imgId);
    if (image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
    const w = why();
    const response = await api("GET", `/api/alerts/${encodeURIComponent(alertId)}/${what}`, { params: w });
    image.src = URL.createObjectURL(await response.blob()); image.alt = alt;
  }

  async function openAlert(alertId) {
    const alert = inbox.alerts.find((a) => a.alert_id === alertId);
    if (!alert) return;
    facts(alert);
    $("alert-detail").hidden = false;
    try {
      await Promise.all([picture("alert-frame", alertId, "frame", `Frame of the alert for ${alert.plate}`),
        picture("alert-plate", alertId, "plate", `Plate crop of ${alert.plate}`)]);
    } catch (error) { notice(error.message); }
    $("alert-detail-title").scrollIntoView({ block: "start" });
  }

  async function act(path, body, done) {
    const a = inbox.open; if (!a) return;
    try {
      const changed = await (await api("POST", `/v1/alerts/${encodeURIComponent(a.alert_id)}/${path}`, { body })).json();
      if (done) done(changed);
      await poll();
      $("alerts-error").textContent = "";
    } catch (error) { $("alerts-error").textContent = error.message; }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("alerts-form").addEventListener("submit", watch);
    $("alerts-stop").addEventListener("click", stop);
    $("alert-review-form").addEventListener("submit", (e) => { e.preventDefault(); act("review", { outcome: $("alert-outcome").value, note: $("alert-review-note").value.trim() }); });
    $("alert-clets-form").addEventListener("submit", (e) => { e.preventDefault(); act("status", { status: "verified", clets_reference: $("alert-clets").value.trim() }); });
    $("alert-not-confirmed").addEventListener("click", () => act("status", { status: "not_confirmed", clets_reference: $("alert-clets").value.trim() }));
    $("alert-close-form").addEventListener("submit", (e) => { e.preventDefault(); act("status", { status: "closed", note: $("alert-close-note").value.trim() }); });
    $("alert-mute-me").addEventListener("click", () => act("mute", { everyone: false }, () => notice("Muted for you: further alerts of this entry will not show in your inbox.")));
    $("alert-mute-all").addEventListener("click", () => act("mute", { everyone: true }, () => notice("Muted for everyone.")));
    PAGES["alerts-view"] = { load: () => { if (!inbox.timer && problems().length === 0) poll(); } };
    // Watching goes on in the background while other tabs are used; it stops at logout.
    PAGES["alerts-inbox"] = { leave: stop };
  });
})();
