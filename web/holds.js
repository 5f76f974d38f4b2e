// Evidence holds: request on reads (chosen in Search) or a camera and window; captains and administrators
// approve (place), decline, release with a reason, book into evidence and read the booking's manifest.
"use strict";

(() => {
  const { $, api, drawLatest, fillTable, cell, when, notice, PAGES } = window.ALPR;

  function scopeText(h) {
    if (h.scope.read_ids && h.scope.read_ids.length) return `${h.scope.read_ids.length} read(s)`;
    return `camera ${h.scope.camera_id}, ${when(h.scope.captured_from)} to ${when(h.scope.captured_to)}`;
  }

  function action(parent, label, run) {
    const button = document.createElement("button");
    button.type = "button"; button.className = "secondary"; button.textContent = label;
    button.onclick = run;
    parent.append(button, " ");
  }

  async function load() {
    const decides = document.body.classList.contains("can-administer");
    try {
      await drawLatest("GET", "/api/holds", {}, ({ holds }) => {
        fillTable("holds-table", holds, (row, h) => {
          cell(row, h.case_number, "nowrap"); cell(row, h.reason); cell(row, scopeText(h) + (h.read_ids && h.read_ids.length ? ` · ${h.read_ids.length} held` : ""));
          cell(row, `${when(h.requested_at)} by ${h.requested_by}`);
          cell(row, h.status + (h.placed_by ? ` (placed by ${h.placed_by})` : "") + (h.release_reason ? `: ${h.release_reason}` : "")
            + (h.evidence_manifests && h.evidence_manifests.length ? " · booked" : ""));
          const actions = row.insertCell();
          const id = encodeURIComponent(h.hold_id);
          if (decides && h.status === "requested") {
            action(actions, "Approve and place", () => run(`/api/holds/${id}/approve`, {}));
            action(actions, "Decline", () => { const reason = window.prompt("Why decline this hold? (recorded)"); if (reason) run(`/api/holds/${id}/decline`, { reason }); });
          }
          if (decides && h.status === "active") {
            const booked = h.evidence_manifests && h.evidence_manifests.length;
            action(actions, booked ? "Book into evidence again" : "Book into evidence", () => run(`/api/holds/${id}/book`, {}, () => manifest(h.hold_id)));
            action(actions, "Release", () => { const reason = window.prompt("Why release this hold? (recorded)"); if (reason) run(`/api/holds/${id}/release`, { reason }); });
          }
          if (h.evidence_manifests && h.evidence_manifests.length) action(actions, "Manifest", () => manifest(h.hold_id));
        });
        $("holds-summary").textContent = holds.length ? `${holds.length} hold(s).` : "No holds.";
      });
    } catch (error) { notice(error.message); }
  }

  async function run(path, body, then) {
    try {
      await api("POST", path, { body });
      await load();
      if (then) await then();
    } catch (error) { $("holds-summary").textContent = error.message; }
  }

  async function manifest(holdId) {
    try {
      const { key, manifest: m } = await (await api("GET", `/api/holds/${encodeURIComponent(holdId)}/manifest`)).json();
      $("manifest-panel").hidden = false;
      $("manifest-meta").textContent = `Case ${m.case_number}, booked ${when(m.booked_at)} by ${m.booked_by_name}; retained until ${when(m.retain_until)} (${m.object_lock_mode}). Manifest: ${key}`;
      fillTable("manifest-table", m.items, (row, item) => {
        cell(row, item.kind); cell(row, `${item.key} (${item.version_id})`); cell(row, item.sha256, "digest");
      });
    } catch (error) { notice(error.message); }
  }

  async function request(event) {
    event.preventDefault();
    const value = (id) => $(id).value.trim();
    const reads = value("hold-reads").split(/[\s,]+/).filter(Boolean);
    const at = (id) => (value(id) ? new Date(value(id)).toISOString() : null);
    const body = { case_number: value("hold-case"), reason: value("hold-reason"), read_ids: reads };
    if (!reads.length) Object.assign(body, { camera_id: value("hold-camera") || null, captured_from: at("hold-from"), captured_to: at("hold-to") });
    try {
      await api("POST", "/api/holds", { body });
      $("hold-form").reset();
      await load();
      $("holds-summary").textContent = "Hold requested: a captain or administrator places it. " + $("holds-summary").textContent;
    } catch (error) { $("holds-summary").textContent = error.message; }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("hold-form").addEventListener("submit", request);
    PAGES["holds-view"] = { load };
  });
})();
