// The staff search page: plain JavaScript, no build step. Talks to /api/ with the Cognito ID token.
"use strict";

const $ = (id) => document.getElementById(id);
const VIEWS = ["search-view", "alerts-view", "hotlist-view", "holds-view", "sharing-view", "audits-view", "admin-view", "audit-view"];
const state = { token: sessionStorage.getItem("alpr-token"), me: null, lastSearch: null, openRead: null, cursors: [], auditOffset: 0 };
// Each tab's script (alerts.js, hotlist.js ...) registers { load, leave } here under its view's id.
const PAGES = {};

function notice(text) {
  $("notice").textContent = text || "";
  $("notice").hidden = !text;
}

async function api(method, path, { body, params } = {}) {
  const url = new URL(path, window.location.href);
  Object.entries(params || {}).forEach(([k, v]) => { if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v); });
  const headers = {};
  if (state.token) headers.Authorization = "Bearer " + state.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && path !== "/api/login") { logout("Your session ended: log in again."); }
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).message || message; } catch (e) { /* not JSON */ }
    const error = new Error(message); error.status = response.status; throw error;
  }
  return response;
}

// A list can be asked for again before its first answer arrives (sign-in fills the access list, the filter
// narrows it; a change reloads the camera table): only the latest request's answer is drawn, whatever order
// the answers come back in. True when ``draw`` ran, false when a later request for the same path superseded it.
const latestAsked = {};
async function drawLatest(method, path, options, draw) {
  const mine = (latestAsked[path] = (latestAsked[path] || 0) + 1);
  const answer = await (await api(method, path, options)).json();
  if (latestAsked[path] !== mine) return false;
  draw(answer);
  return true;
}

// Replaces a table's rows: one row per item, filled by ``fillRow(row, item)``.
function fillTable(tableId, items, fillRow) {
  const tbody = $(tableId).tBodies[0];
  tbody.replaceChildren();
  items.forEach((item) => fillRow(tbody.insertRow(), item));
}

function show(viewId) {
  VIEWS.forEach((id) => {
    const leaving = !$(id).hidden && id !== viewId;
    $(id).hidden = id !== viewId;
    if (leaving && PAGES[id] && PAGES[id].leave) PAGES[id].leave();
  });
  if (PAGES[viewId] && PAGES[viewId].load) PAGES[viewId].load();
  document.querySelectorAll("#tabs button").forEach((b) => {
    if (b.dataset.view === viewId) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  });
}

// Logging out loads the page afresh: nothing the last member saw (results, alerts, tokens) stays in it.
function logout(message) {
  const signedIn = Boolean(state.token);
  state.token = null; state.me = null;
  sessionStorage.removeItem("alpr-token");
  Object.values(PAGES).forEach((page) => { if (page.leave) page.leave(); });
  if (signedIn) {
    if (message) sessionStorage.setItem("alpr-notice", message);
    window.location.reload();
    return;
  }
  VIEWS.forEach((id) => { $(id).hidden = true; });
  $("tabs").hidden = true; $("who").hidden = true; $("login-view").hidden = false;
  StaffLoginFlow.reset();
  notice(message || sessionStorage.getItem("alpr-notice") || "");
  sessionStorage.removeItem("alpr-notice");
}

// The login steps live in login.js; it hands over the ID token once the last one is answered.
async function signedIn(token) {
  state.token = token;
  sessionStorage.setItem("alpr-token", token);
  notice("");
  await start();
}

// What the tab scripts share.
window.ALPR = { $, state, api, drawLatest, fillTable, cell, badge, cameraName, when, notice, show, saveBlob, PAGES };

async function start() {
  try { state.me = await (await api("GET", "/api/me")).json(); } catch (error) { logout(); return; }
  const me = state.me;
  $("login-view").hidden = true; $("who").hidden = false;
  // The name as the directory has it, the roles beside it (a name never carries its role).
  $("who-name").textContent = `${me.name} · ${me.roles.join(", ") || "no role"}`;
  if (!me.trained) {
    notice("You have no recorded completion of department-approved ALPR training (policy 418.4(d)), so no ALPR data is available to you. Ask an ALPR administrator.");
    $("tabs").hidden = true;
    return;
  }
  const has = (...roles) => me.roles.some((r) => roles.includes(r));
  // The tabs of each role's work: what the API would refuse is not offered.
  const tabs = {
    "search-view": has("officer", "administrator"),
    "alerts-view": has("officer", "captain", "administrator", "auditor"),
    "hotlist-view": has("officer", "captain", "administrator", "auditor"),
    "holds-view": has("officer", "captain", "administrator"),
    "sharing-view": has("captain", "administrator", "auditor"),
    "audits-view": has("auditor"),
    "admin-view": has("administrator", "captain"),
    "audit-view": has("auditor"),
  };
  document.querySelectorAll("#tabs button").forEach((b) => { b.hidden = !tabs[b.dataset.view]; });
  // Read-only views: controls that change things are shown to the roles that may use them.
  document.body.classList.toggle("can-work", has("officer", "captain", "administrator"));
  document.body.classList.toggle("can-administer", has("captain", "administrator"));
  document.body.classList.toggle("is-admin", has("administrator"));
  $("training-panel").hidden = !has("administrator");
  $("tabs").hidden = false;
  fillPurposes("purpose", "offense", me.purposes);
  fillPurposes("alerts-purpose", "alerts-offense", me.purposes);
  fillAuditPurposes(me.purposes);
  // Officers start at Search, auditors at their audits, everyone else at their first tab.
  const first = ["search-view", "audits-view"].find((id) => tabs[id]) || VIEWS.find((id) => tabs[id]);
  if (!first) { notice("Your role gives no access to ALPR data."); return; }
  if (tabs["search-view"] || tabs["holds-view"] || tabs["alerts-view"]) loadCameras();
  show(first);
  if (has("administrator")) loadTraining();
}

function fillAuditPurposes(purposes) {
  const select = $("audit-purpose");
  select.replaceChildren(new Option("Any purpose", ""));
  purposes.forEach((p) => select.add(new Option(`(${p.code}) ${p.text}`, p.code)));
}

function fillPurposes(selectId, offenseId, purposes) {
  const select = $(selectId);
  select.replaceChildren(new Option("Choose a purpose (418.4.1)", ""));
  purposes.forEach((p) => select.add(new Option(`(${p.code}) ${p.text}`, p.code)));
  select.onchange = () => {
    const chosen = purposes.find((p) => p.code === select.value);
    const offense = $(offenseId);
    offense.replaceChildren();
    if (!chosen || chosen.offenses.length === 0) { offense.add(new Option(chosen ? "Not applicable" : "Choose a purpose first", "")); offense.disabled = true; offense.required = false; return; }
    offense.disabled = false; offense.required = true;
    offense.add(new Option("Choose an offense type", ""));
    chosen.offenses.forEach((o) => offense.add(new Option(o.replaceAll("_", " "), o)));
  };
  select.onchange();
}

async function loadCameras() {
  try {
    await drawLatest("GET", "/api/cameras", {}, ({ cameras }) => {
      state.cameraNames = Object.fromEntries(cameras.map((c) => [c.camera_id, c.name || c.camera_id]));
      [["camera_id", "Any camera"], ["hold-camera", "No camera window"]].forEach(([id, none]) => {
        const select = $(id);
        select.replaceChildren(new Option(none, ""));
        cameras.forEach((c) => select.add(new Option(`${c.name || c.camera_id} (${c.source})`, c.camera_id)));
      });
    });
  } catch (error) { notice(error.message); }
}

function justification() {
  return { purpose: $("purpose").value, offense: $("offense").value, case_number: $("case_number").value.trim() };
}

function searchBody() {
  const why = justification();
  const problems = [];
  if (!why.purpose) problems.push("choose a purpose");
  if ($("offense").required && !why.offense) problems.push("choose an offense type");
  if (why.case_number.length < 3) problems.push("enter a case or incident number");
  const value = (id) => $(id).value.trim();
  const when = (id) => (value(id) ? new Date(value(id)).toISOString() : undefined);
  const number = (id) => (value(id) ? Number(value(id)) : undefined);
  const body = { ...why, plate: value("plate") || undefined, start: when("start"), end: when("end"),
    camera_id: value("camera_id") || undefined, source: value("source") || undefined, sort: value("sort") || "time",
    latitude: number("latitude"), longitude: number("longitude"), radius_m: number("radius_m"), limit: 50 };
  if (!body.plate && !body.camera_id && !(body.start && body.end)) problems.push("give a plate, a camera, or a time range");
  return { body, problems };
}

function clearResults(message) {
  fillTable("results", [], () => {});
  $("results").hidden = true;
  ["next-page", "first-page", "hold-selected"].forEach((id) => { $(id).hidden = true; });
  $("summary").textContent = message || "";
}

async function search(event) {
  if (event) event.preventDefault();
  const { body, problems } = searchBody();
  $("search-error").textContent = problems.length ? "To search: " + problems.join(", ") + "." : "";
  if (problems.length) { clearResults(); return; }
  state.cursors = [];
  await runSearch(body);
}

// One page of results; ``cursor`` (from the previous answer) asks for the page after it.
async function runSearch(body, cursor) {
  $("search-button").disabled = true; $("summary").textContent = "Searching…";
  try {
    await drawLatest("POST", "/api/search", { body: { ...body, cursor } }, (answer) => {
      state.lastSearch = body; state.nextCursor = answer.next_cursor; renderResults(answer, Boolean(cursor));
    });
    $("search-error").textContent = "";
  } catch (error) {
    // A refused search leaves nothing of the previous one on screen.
    $("search-error").textContent = error.message; clearResults();
  } finally { $("search-button").disabled = false; }
}

function cell(row, text, className) {
  const td = row.insertCell(); td.textContent = text; if (className) td.className = className; return td;
}

// A route or an object key wraps after its slashes (a <wbr> each), not in the middle of a word.
function breakAtSlashes(parent, text) {
  (text || "").split("/").forEach((part, index) => {
    if (index) parent.append("/", document.createElement("wbr"));
    parent.append(part);
  });
  return parent;
}

// A camera by its name where the registry has it (the alerts API names only the id).
function cameraName(cameraId) {
  return (state.cameraNames && state.cameraNames[cameraId]) || cameraId;
}

function badge(parent, text, className, title) {
  const span = document.createElement("span");
  span.className = "badge " + className; span.textContent = text; if (title) span.title = title;
  parent.append(" ", span);
  return span;
}

function when(iso) { return iso ? new Date(iso).toLocaleString() : ""; }

function renderResults(answer, later) {
  fillTable("results", answer.results, (row, r) => {
    row.className = "openable";
    const image = row.insertCell();
    if (r.thumbnail) { const img = document.createElement("img"); img.src = r.thumbnail; img.alt = `Plate crop of ${r.plate}`; img.className = "crop"; image.append(img); }
    else if (r.thumbnail === null) { const none = document.createElement("small"); none.textContent = "frame unavailable"; image.append(none); }
    const plate = row.insertCell(); plate.className = "plate";
    const open = document.createElement("button");
    open.type = "button"; open.className = "plate-link"; open.textContent = r.plate;
    open.setAttribute("aria-label", `Open frame of ${r.plate} at ${when(r.captured_at)}`);
    open.onclick = (e) => { e.stopPropagation(); openFrame(r); };
    plate.append(open);
    if (r.look_alikes && r.look_alikes.length) badge(plate, `look-alike ${r.look_alikes.join(", ")}`, "lookalike", "Found with look-alike characters: check the frame");
    // A frame that misread the plate shows what the other frames of the same passing car agreed on.
    if (r.sighting_plate) badge(plate, `car: ${r.sighting_plate}`, "consensus", "What the frames of this sighting agreed on");
    if (r.hotlist) badge(plate, `hotlist: ${r.hotlist.reason.replaceAll("_", " ")}${r.hotlist.kind === "possible" ? " (possible)" : ""}`, "hot", `Active hotlist entry, case ${r.hotlist.case_number}`);
    if (r.state || r.format) badge(plate, [r.state, r.format].filter(Boolean).join(" "), "state", "State and plate layout the reader recognised");
    cell(row, `${Math.round(r.confidence * 100)}%`);
    cell(row, when(r.captured_at));
    cell(row, r.camera_name || r.camera_id);
    cell(row, r.place);
    const pick = row.insertCell();
    const box = document.createElement("input");
    box.type = "checkbox"; box.value = r.read_id; box.className = "hold-pick";
    box.setAttribute("aria-label", `Choose the read of ${r.plate} at ${when(r.captured_at)} for an evidence hold`);
    box.onclick = (e) => e.stopPropagation();
    box.onchange = () => { $("hold-selected").hidden = !document.querySelector(".hold-pick:checked"); };
    pick.append(box);
    row.onclick = () => openFrame(r);
  });
  const count = answer.results.length;
  $("results").hidden = count === 0;
  $("next-page").hidden = !answer.next_cursor;
  $("first-page").hidden = !later;
  $("hold-selected").hidden = true;
  const similar = answer.results.filter((r) => r.look_alikes && r.look_alikes.length).length;
  $("summary").textContent = count === 0 ? "No reads found."
    : `${count} of ${answer.matched} read(s)` + (answer.next_cursor ? " on this page" : "") + "."
      + (similar ? ` ${similar} found through look-alike characters (marked), after the exact matches.` : "")
      + (answer.truncated ? " Too many matches: narrow the search." : "");
}

function holdSelected() {
  const ids = Array.from(document.querySelectorAll(".hold-pick:checked"), (b) => b.value);
  if (!ids.length) return;
  $("hold-reads").value = ids.join(", ");
  $("hold-case").value = (state.lastSearch && state.lastSearch.case_number) || "";
  show("holds-view");
  $("hold-reason").focus();
}

function frameParams() {
  const why = state.lastSearch || justification();
  return { purpose: why.purpose, offense: why.offense, case_number: why.case_number };
}

async function openFrame(read) {
  try {
    const response = await api("GET", `/api/reads/${encodeURIComponent(read.read_id)}/image`, { params: frameParams() });
    const image = $("frame-image");
    if (image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
    image.src = URL.createObjectURL(await response.blob());
    image.alt = `Frame with plate ${read.plate}`;
    $("frame-title").textContent = `Plate ${read.plate}`;
    $("frame-meta").textContent = `${new Date(read.captured_at).toLocaleString()} · ${read.camera_name || read.camera_id} · ${read.place} · confidence ${Math.round(read.confidence * 100)}%`;
    state.openRead = read;
    $("frame-dialog").showModal();
  } catch (error) { notice(error.message); }
}

async function saveBlob(response, fallbackName) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = match ? match[1] : fallbackName;
  document.body.append(link); link.click(); link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

async function download() {
  const read = state.openRead; if (!read) return;
  try { await saveBlob(await api("GET", `/api/reads/${encodeURIComponent(read.read_id)}/download`, { params: frameParams() }), "frame.jpg"); }
  catch (error) { notice(error.message); }
}

async function exportSearch() {
  const { body, problems } = searchBody();
  $("search-error").textContent = problems.length ? "To export: " + problems.join(", ") + "." : "";
  if (problems.length) return;
  try { await saveBlob(await api("POST", "/api/search/export", { body }), "alpr-search.csv"); }
  catch (error) { $("search-error").textContent = error.message; }
}

function auditParams() {
  const form = new FormData($("audit-form"));
  return Object.fromEntries([...form.entries()].filter(([, v]) => v !== ""));
}

const AUDIT_PAGE = 50;

async function listAudit(event, offset) {
  if (event) { event.preventDefault(); }
  state.auditOffset = offset || 0;
  try {
    await drawLatest("GET", "/api/access-records", { params: { ...auditParams(), offset: state.auditOffset, page_size: AUDIT_PAGE } }, (answer) => {
      fillTable("audit-table", answer.records, (row, r) => {
        cell(row, when(r.at));
        const who = row.insertCell();
        who.append(r.member_name);
        if (r.member_id !== r.member_name) { const id = document.createElement("small"); id.textContent = r.member_id; who.append(document.createElement("br"), id); }
        if (r.organization) who.title = r.organization;
        breakAtSlashes(cell(row, ""), r.action); breakAtSlashes(cell(row, "", "subject"), r.subject); cell(row, [r.purpose, r.offense].filter(Boolean).join(" / "));
        cell(row, r.case_number); cell(row, String(r.results)); cell(row, r.outcome).title = r.client;
      });
      $("audit-table").hidden = answer.records.length === 0;
      const first = answer.offset + 1, last = answer.offset + answer.records.length;
      $("audit-summary").textContent = answer.records.length === 0 ? "No access records match." : `Records ${first}–${last} of ${answer.matched}` + (answer.truncated ? " (more: narrow the filter)" : ".");
      $("audit-prev").hidden = answer.offset === 0;
      $("audit-next").hidden = last >= answer.matched;
    });
  } catch (error) { notice(error.message); }
}

// --- administration (administrators and the captain) ---------------------------------------------------

function loadAdmin() { loadDesignee(); loadCameraRegistry(); loadMembers(); loadErrorReports(); }

async function loadDesignee() {
  try {
    await drawLatest("GET", "/v1/admin/designee", {}, ({ designee }) => {
      $("designee").textContent = designee ? `${designee.title}: ${designee.name} (since ${new Date(designee.since).toLocaleDateString()})` : "No designee recorded.";
    });
  } catch (error) { notice(error.message); }
}

async function designate(event) {
  event.preventDefault();
  try {
    await api("PUT", "/v1/admin/designee", { body: { title: $("designee-title").value.trim(), name: $("designee-name").value.trim() } });
    await loadDesignee();
  } catch (error) { notice(error.message); }
}

async function loadCameraRegistry() {
  try {
    await drawLatest("GET", "/v1/admin/cameras", {}, ({ cameras }) => fillTable("camera-table", cameras, (row, c) => {
      cell(row, c.camera_id); cell(row, c.name); cell(row, c.source);
      cell(row, c.location ? `${c.location.latitude}, ${c.location.longitude}` : "mobile");
      cell(row, c.active ? "yes" : "no");
      const button = document.createElement("button");
      button.type = "button"; button.className = "secondary"; button.textContent = c.active ? "Deactivate" : "Activate";
      button.onclick = () => setCameraActive(c.camera_id, !c.active);
      row.insertCell().append(button);
    }));
  } catch (error) { notice(error.message); }
}

async function setCameraActive(cameraId, active) {
  const reason = window.prompt(`Why ${active ? "activate" : "deactivate"} ${cameraId}? (recorded)`);
  if (!reason) return;
  try { await api("PATCH", `/v1/admin/cameras/${encodeURIComponent(cameraId)}`, { body: { active, reason } }); await loadCameraRegistry(); }
  catch (error) { notice(error.message); }
}

async function addCamera(event) {
  event.preventDefault();
  const number = (id) => ($(id).value.trim() ? Number($(id).value.trim()) : undefined);
  const body = { camera_id: $("camera-new-id").value.trim(), source: $("camera-new-source").value, name: $("camera-new-name").value.trim(),
    latitude: number("camera-new-lat"), longitude: number("camera-new-lon") };
  try {
    const answer = await (await api("POST", "/v1/admin/cameras", { body })).json();
    $("camera-key").textContent = `Camera ${answer.camera.camera_id} added. Its key, shown this once: ${answer.api_key}`;
    $("camera-key").hidden = false;
    await loadCameraRegistry();
  } catch (error) { notice(error.message); }
}

async function loadMembers() {
  try {
    await drawLatest("GET", "/v1/admin/members", {}, ({ members }) => fillTable("member-table", members, (row, m) => {
      cell(row, m.member_id); cell(row, m.name); cell(row, m.roles.join(", "));
      cell(row, m.training ? `${m.training.course}, ${m.training.completed_on} (recorded by ${m.training.recorded_by})` : "none on record");
    }));
  } catch (error) { notice(error.message); }
}

async function loadErrorReports() {
  try {
    await drawLatest("GET", "/v1/admin/error-reports", {}, ({ error_reports: reports }) => fillTable("error-table", reports, (row, r) => {
      cell(row, new Date(r.at).toLocaleString()); cell(row, r.by); cell(row, r.error.replace("_", " ")); cell(row, r.read_id);
      cell(row, r.original_plate, "plate"); cell(row, r.corrected_plate, "plate"); cell(row, r.reported_to);
    }));
  } catch (error) { notice(error.message); }
}

async function reportError(event) {
  event.preventDefault();
  const body = { read_id: $("error-read").value.trim(), error: $("error-kind").value, description: $("error-what").value.trim(),
    corrected_plate: $("error-plate").value.trim() || undefined };
  try { await api("POST", "/v1/admin/error-reports", { body }); await loadErrorReports(); }
  catch (error) { notice(error.message); }
}

async function exportAudit() {
  try { await saveBlob(await api("GET", "/api/access-records/export", { params: auditParams() }), "alpr-access-records.csv"); }
  catch (error) { notice(error.message); }
}

async function loadTraining() {
  try {
    await drawLatest("GET", "/api/training", {}, ({ training }) => fillTable("training-table", training, (row, t) => {
      cell(row, t.member_id); cell(row, t.course); cell(row, t.completed_on); cell(row, t.recorded_by);
    }));
  } catch (error) { notice(error.message); }
}

async function recordTraining(event) {
  event.preventDefault();
  try {
    await api("PUT", `/api/training/${encodeURIComponent($("training-member").value.trim())}`,
      { body: { course: $("training-course").value.trim(), completed_on: $("training-date").value } });
    await loadTraining();
  } catch (error) { notice(error.message); }
}

document.addEventListener("DOMContentLoaded", () => {
  StaffLoginFlow.attach({ onSignedIn: signedIn });
  $("logout").addEventListener("click", () => logout());
  $("search-form").addEventListener("submit", search);
  $("export-button").addEventListener("click", exportSearch);
  $("download-button").addEventListener("click", download);
  $("audit-form").addEventListener("submit", listAudit);
  $("audit-export").addEventListener("click", exportAudit);
  $("audit-prev").addEventListener("click", () => listAudit(null, Math.max(0, state.auditOffset - AUDIT_PAGE)));
  $("audit-next").addEventListener("click", () => listAudit(null, state.auditOffset + AUDIT_PAGE));
  $("next-page").addEventListener("click", () => { if (state.lastSearch && state.nextCursor) runSearch(state.lastSearch, state.nextCursor); });
  $("first-page").addEventListener("click", () => { if (state.lastSearch) runSearch(state.lastSearch); });
  $("hold-selected").addEventListener("click", holdSelected);
  $("training-form").addEventListener("submit", recordTraining);
  $("designee-form").addEventListener("submit", designate);
  $("camera-form").addEventListener("submit", addCamera);
  $("error-form").addEventListener("submit", reportError);
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
  PAGES["audit-view"] = { load: () => listAudit() };
  PAGES["admin-view"] = { load: loadAdmin };
  const today = new Date().toISOString().slice(0, 10);
  $("training-date").value = today;
  if (state.token) start(); else logout();
});
