// Hotlist: add a full or partial plate, see an entry's history, its searches of earlier reads and their hits,
// deactivate with a reason; administrators see the state and federal list imports.
"use strict";

(() => {
  const { $, api, drawLatest, fillTable, cell, badge, when, notice, PAGES } = window.ALPR;
  let opened = null;

  async function load() {
    try {
      await drawLatest("GET", "/v1/hotlist/entries", { params: { all: $("hotlist-all").checked ? "true" : "" } }, ({ entries }) => {
        fillTable("hotlist-table", entries, (row, e) => {
          const plate = cell(row, e.value, "plate");
          if (e.kind !== "plate") badge(plate, "partial", "quiet", "A partial plate: ? one character, * any");
          cell(row, e.reason.replaceAll("_", " ")); cell(row, e.case_number); cell(row, e.state || "any");
          const priority = row.insertCell(); badge(priority, e.priority, e.priority === "high" ? "hot" : "quiet");
          cell(row, e.expires_on ? new Date(e.expires_on).toLocaleDateString() : ""); cell(row, e.entered_by);
          cell(row, e.status === "deactivated" ? `deactivated: ${e.deactivation_reason || ""}` : e.status);
          const button = document.createElement("button");
          button.type = "button"; button.className = "secondary"; button.textContent = "Open";
          button.setAttribute("aria-label", `Open hotlist entry ${e.value}`);
          button.onclick = () => openEntry(e);
          row.insertCell().append(button);
        });
        $("hotlist-summary").textContent = entries.length ? `${entries.length} entr${entries.length === 1 ? "y" : "ies"}.` : "No manual entries.";
      });
    } catch (error) { notice(error.message); }
    if (document.body.classList.contains("can-administer")) loadImports();
  }

  async function add(event) {
    event.preventDefault();
    const value = (id) => $(id).value.trim();
    const body = { value: value("entry-value"), reason: value("entry-reason"), case_number: value("entry-case"),
      state: value("entry-state") || null, vehicle: value("entry-vehicle"), notes: value("entry-notes"),
      priority: value("entry-priority") || null, expires_in_days: value("entry-days") ? Number(value("entry-days")) : null };
    try {
      const answer = await (await api("POST", "/v1/hotlist/entries", { body })).json();
      $("hotlist-form").reset();
      await load();
      $("hotlist-summary").textContent = `Added ${answer.entry.value}: in force now; earlier reads are being searched (${answer.historical_search.status}).`;
    } catch (error) { $("hotlist-summary").textContent = error.message; }
  }

  async function openEntry(entry) {
    opened = entry;
    $("entry-detail").hidden = false;
    $("entry-title").textContent = `Entry ${entry.value} · ${entry.reason.replaceAll("_", " ")} · case ${entry.case_number}`;
    $("deactivate-form").hidden = !entry.active;
    const id = encodeURIComponent(entry.entry_id);
    try {
      const [history, searches, hits] = await Promise.all([
        api("GET", `/v1/hotlist/entries/${id}/history`).then((r) => r.json()),
        api("GET", `/v1/hotlist/entries/${id}/searches`).then((r) => r.json()),
        api("GET", `/api/hotlist/entries/${id}/hits`).then((r) => r.json()),
      ]);
      fillTable("entry-history", history.changes, (row, c) => {
        cell(row, when(c.at)); cell(row, c.by);
        const changed = c.before ? Object.keys(c.after).filter((k) => JSON.stringify(c.after[k]) !== JSON.stringify(c.before[k]) && k !== "revision") : [];
        cell(row, c.action + (changed.length ? ` (${changed.join(", ")})` : ""));
      });
      fillTable("entry-searches", searches.searches, (row, s) => {
        cell(row, when(s.queued_at)); cell(row, s.status + (s.last_error ? `: ${s.last_error}` : "")); cell(row, String(s.reads_scanned)); cell(row, String(s.hits));
      });
      fillTable("entry-hits", hits.hits, (row, h) => {
        cell(row, h.plate, "plate"); cell(row, h.camera_name || h.camera_id); cell(row, when(h.captured_at));
        cell(row, h.historical ? "yes (earlier read)" : "no (live)"); cell(row, h.status.replace("_", " "));
      });
    } catch (error) { notice(error.message); }
  }

  async function deactivate(event) {
    event.preventDefault();
    if (!opened) return;
    try {
      await api("POST", `/v1/hotlist/entries/${encodeURIComponent(opened.entry_id)}/deactivate`, { body: { why: $("deactivate-why").value.trim() } });
      $("entry-detail").hidden = true; $("deactivate-why").value = "";
      await load();
    } catch (error) { notice(error.message); }
  }

  async function loadImports() {
    try {
      await drawLatest("GET", "/api/hotlist/imports", {}, ({ imports }) => {
        $("imports-panel").hidden = false;
        fillTable("imports-table", imports, (row, v) => {
          cell(row, v.list_name, "nowrap"); cell(row, `${v.version}${v.in_force ? " (in force)" : ""}`); cell(row, v.status);
          cell(row, `${v.imported} of ${v.rows}`); // The origin names the S3 object too: the upload's id is enough on the page (the CLI shows the key).
          cell(row, `${when(v.imported_at)} by ${v.imported_by} (${(v.origin || "").replace(/ \(s3:\/\/[^)]*\)/, "")})`);
          cell(row, v.refused_because || (v.bad_count ? `${v.bad_count} bad row(s)` : "clean"));
        });
      });
    } catch (error) { notice(error.message); }
  }

  // A list of any size goes to S3 through a presigned POST (the web ACL refuses request bodies over 8 KB); the
  // importer starts when S3 announces the file, and its ticket says how the import went.
  const UPLOAD_WAITING = new Set(["awaiting_upload", "importing"]);
  const uploadPollMs = () => Number(sessionStorage.getItem("alpr-upload-poll-ms")) || 2000;

  async function upload(event) {
    event.preventDefault();
    const file = $("upload-file").files[0];
    const name = $("upload-list").value.trim().toLowerCase();
    const say = (text) => { $("upload-summary").textContent = text; };
    if (!file) return;
    $("upload-report").hidden = true;
    try {
      say(`Asking for an upload link for list ${name}…`);
      const ticket = await (await api("POST", `/v1/hotlists/${encodeURIComponent(name)}/uploads`, { body: { filename: file.name, size: file.size } })).json();
      const form = new FormData();
      Object.entries(ticket.upload.fields).forEach(([key, value]) => form.append(key, value));
      form.append(ticket.upload.file_field, file, file.name);  // the policy's fields first, the file last
      say(`Sending ${file.name} (${file.size.toLocaleString()} bytes) to storage…`);
      const sent = await fetch(ticket.upload.url, { method: "POST", body: form });
      if (!sent.ok) throw new Error(`Storage refused the file (HTTP ${sent.status}); nothing was imported.`);
      say(`Received ${file.name}: checking and importing list ${name}…`);
      let seen = ticket;
      while (UPLOAD_WAITING.has(seen.status)) {
        await new Promise((resolve) => setTimeout(resolve, uploadPollMs()));
        seen = await (await api("GET", ticket.see)).json();
      }
      showReport(seen);
      await loadImports();
    } catch (error) { say(error.message); }
  }

  function showReport(ticket) {
    const report = ticket.report || {};
    const outcome = { in_force: "imported and in force", refused: "refused: the list in force was kept", superseded: "imported, then superseded by a newer upload", expired: "the upload link lapsed before the file arrived" };
    $("upload-summary").textContent = `List ${ticket.list_name}, ${ticket.filename || "file"}: ${outcome[ticket.status] || ticket.status}.`;
    const facts = $("upload-facts");
    facts.replaceChildren();
    const fact = (term, value) => {
      if (value === undefined || value === null || value === "") return;
      const dt = document.createElement("dt"); dt.textContent = term;
      const dd = document.createElement("dd"); dd.textContent = value;
      facts.append(dt, dd);
    };
    fact("Status", ticket.status.replaceAll("_", " "));
    fact("Version", ticket.version);
    fact("Received", `${ticket.received_bytes.toLocaleString()} bytes`);
    if (report.rows !== undefined) fact("Entries", `${report.imported} imported of ${report.rows} rows; ${report.bad_count || 0} bad`);
    fact("Checked", report.imported_at ? `${when(report.imported_at)} by ${report.imported_by}` : "");
    fact("Refused because", ticket.refused_because || report.refused_because);
    const bad = report.bad_rows || [];
    fillTable("upload-bad-rows", bad, (row, b) => { cell(row, String(b.line)); cell(row, b.reason); });
    $("upload-bad-rows").hidden = bad.length === 0;
    $("upload-report").hidden = false;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("upload-form").addEventListener("submit", upload);
    $("hotlist-form").addEventListener("submit", add);
    $("hotlist-all").addEventListener("change", load);
    $("deactivate-form").addEventListener("submit", deactivate);
    PAGES["hotlist-view"] = { load };
  });
})();
