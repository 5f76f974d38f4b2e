// The staff search page: plain JavaScript, no build step. Talks to /api/ with the Cognito ID token.
"use strict";

const $ = (id) => document.getElementById(id);
const VIEWS = ["search-view", "audit-view", "training-view", "admin-view"];
const state = { token: sessionStorage.getItem("alpr-token"), me: null, lastSearch: null, openRead: null };

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
  VIEWS.forEach((id) => { $(id).hidden = id !== viewId; });
  document.querySelectorAll("#tabs button").forEach((b) => {
    if (b.dataset.view === viewId) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  });
}

function logout(message) {
  state.token = null; state.me = null;
  sessionStorage.removeItem("alpr-token");
  VIEWS.forEach((id) => { $(id).hidden = true; });
  $("tabs").hidden = true; $("who").hidden = true; $("login-view").hidden = false;
  StaffLoginFlow.reset();
  notice(message || "");
}

// The login steps live in login.js; it hands over the ID token once the last one is answered.
async function signedIn(token) {
  state.token = token;
  sessionStorage.setItem("alpr-token", token);
  notice("");
  await start();
}

async function start() {
  try { state.me = await (await api("GET", "/api/me")).json(); } catch (error) { logout(); return; }
  const me = state.me;
  $("login-view").hidden = true; $("who").hidden = false;
  $("who-name").textContent = `${me.name} (${me.roles.join(", ") || "no role"})`;
  if (!me.trained) {
    notice("You have no recorded completion of department-approved ALPR training (policy 418.4(d)), so no ALPR data is available to you. Ask an ALPR administrator.");
    $("tabs").hidden = true;
    return;
  }
  const can = { search: me.roles.some((r) => r === "officer" || r === "administrator"), audit: me.roles.includes("auditor"), training: me.roles.includes("administrator"),
    admin: me.roles.some((r) => r === "administrator" || r === "captain") };
  $("tab-search").hidden = !can.search; $("tab-audit").hidden = !can.audit; $("tab-training").hidden = !can.training; $("tab-admin").hidden = !can.admin;
  $("tabs").hidden = false;
  fillPurposes(me.purposes);
  if (can.search) { loadCameras(); show("search-view"); }
  else if (can.audit) { show("audit-view"); listAudit(); }
  else if (can.training) { show("training-view"); }
  else if (can.admin) { show("admin-view"); loadAdmin(); }
  else { notice("Your role gives no access to ALPR search or access records."); }
  if (can.training) loadTraining();
}

function fillPurposes(purposes) {
  const select = $("purpose");
  select.replaceChildren(new Option("Choose a purpose (418.4.1)", ""));
  purposes.forEach((p) => select.add(new Option(`(${p.code}) ${p.text}`, p.code)));
  select.onchange = () => {
    const chosen = purposes.find((p) => p.code === select.value);
    const offense = $("offense");
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
      const select = $("camera_id");
      select.replaceChildren(new Option("Any camera", ""));
      cameras.forEach((c) => select.add(new Option(`${c.name || c.camera_id} (${c.source})`, c.camera_id)));
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
    camera_id: value("camera_id") || undefined, source: value("source") || undefined,
    latitude: number("latitude"), longitude: number("longitude"), radius_m: number("radius_m"), limit: 200 };
  if (!body.plate && !body.camera_id && !(body.start && body.end)) problems.push("give a plate, a camera, or a time range");
  return { body, problems };
}

async function search(event) {
  event.preventDefault();
  const { body, problems } = searchBody();
  $("search-error").textContent = problems.length ? "To search: " + problems.join(", ") + "." : "";
  if (problems.length) return;
  $("search-button").disabled = true; $("summary").textContent = "Searching…";
  try {
    await drawLatest("POST", "/api/search", { body }, (answer) => { state.lastSearch = body; renderResults(answer); });
  } catch (error) { $("search-error").textContent = error.message; $("summary").textContent = ""; }
  finally { $("search-button").disabled = false; }
}

function cell(row, text, className) {
  const td = row.insertCell(); td.textContent = text; if (className) td.className = className; return td;
}

function renderResults(answer) {
  fillTable("results", answer.results, (row, r) => {
    row.className = "openable"; row.tabIndex = 0;
    row.setAttribute("aria-label", `Open frame of ${r.plate} at ${new Date(r.captured_at).toLocaleString()}`);
    const image = row.insertCell();
    if (r.thumbnail) { const img = document.createElement("img"); img.src = r.thumbnail; img.alt = `Plate ${r.plate}`; image.append(img); }
    // A frame that misread the plate shows what the other frames of the same passing car agreed on.
    cell(row, r.sighting_plate ? `${r.plate} (car: ${r.sighting_plate})` : r.plate, "plate");
    cell(row, `${Math.round(r.confidence * 100)}%`);
    cell(row, new Date(r.captured_at).toLocaleString());
    cell(row, r.camera_id);
    cell(row, r.place);
    row.onclick = () => openFrame(r);
    row.onkeydown = (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openFrame(r); } };
  });
  $("results").hidden = answer.results.length === 0;
  $("summary").textContent = answer.results.length === 0 ? "No reads found."
    : `${answer.results.length} of ${answer.matched} read(s)` + (answer.truncated ? " — narrow the search to see the rest." : ".");
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
    $("frame-meta").textContent = `${new Date(read.captured_at).toLocaleString()} · ${read.camera_id} · ${read.place} · confidence ${Math.round(read.confidence * 100)}%`;
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

async function listAudit(event) {
  if (event) event.preventDefault();
  try {
    const drawn = await drawLatest("GET", "/api/access-records", { params: auditParams() }, (answer) => {
      fillTable("audit-table", answer.records, (row, r) => {
        cell(row, new Date(r.at).toLocaleString()); cell(row, `${r.member_name} (${r.member_id})`); cell(row, r.organization);
        cell(row, r.action); cell(row, r.subject); cell(row, [r.purpose, r.offense].filter(Boolean).join(" / "));
        cell(row, r.case_number); cell(row, String(r.results)); cell(row, r.outcome); cell(row, r.client);
      });
      $("audit-table").hidden = answer.records.length === 0;
      $("audit-summary").textContent = `${answer.records.length} record(s)` + (answer.truncated ? " (more: narrow the filter or export)" : "");
    });
    if (!drawn) return;
  } catch (error) { notice(error.message); }
  listFinalized();
}

async function listFinalized() {
  try {
    await drawLatest("GET", "/v1/audits/finalized", {}, ({ audits }) => {
      fillTable("finalized-table", audits, (row, a) => {
        cell(row, a.quarter); cell(row, new Date(a.finalized_at).toLocaleString()); cell(row, a.finalized_by);
        cell(row, `${a.sample_size} of ${a.population}`);
        // More than one draw for a quarter: the other samples are named in the locked audit.
        cell(row, a.draws === 1 ? "1" : `${a.draws} (see the audit)`); cell(row, `${a.consistent} of ${a.sampled}`);
        cell(row, `${a.key} (${a.version_id})`); cell(row, a.sha256, "digest");
      });
      $("finalized-table").hidden = audits.length === 0;
      $("finalized-summary").textContent = audits.length === 0 ? "No finalized audit yet." : `${audits.length} finalized audit(s), stored under Object Lock.`;
    });
  } catch (error) { $("finalized-summary").textContent = error.message; }
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
  $("training-form").addEventListener("submit", recordTraining);
  $("designee-form").addEventListener("submit", designate);
  $("camera-form").addEventListener("submit", addCamera);
  $("error-form").addEventListener("submit", reportError);
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => {
    show(b.dataset.view);
    if (b.dataset.view === "audit-view") listAudit();
    if (b.dataset.view === "admin-view") loadAdmin();
  }));
  const today = new Date().toISOString().slice(0, 10);
  $("training-date").value = today;
  if (state.token) start(); else logout();
});
