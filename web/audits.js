// Audits: draw the preceding quarter's sample, review each item, write the notes, finalize; the annual
// bundle, the access-chain verification and the compliance report.
"use strict";

(() => {
  const { $, api, drawLatest, fillTable, cell, when, notice, PAGES } = window.ALPR;
  let openId = null;

  async function load() {
    try {
      await drawLatest("GET", "/v1/audits", {}, ({ audits }) => {
        fillTable("audits-table", audits, (row, a) => {
          cell(row, a.quarter); cell(row, when(a.created_at)); cell(row, a.created_by);
          cell(row, `${a.sample.length} of ${a.population_size}`);
          cell(row, `${a.outcome.sampled - a.outcome.unreviewed} of ${a.outcome.sampled}`); cell(row, a.status);
          const button = document.createElement("button");
          button.type = "button"; button.className = "secondary"; button.textContent = "Open";
          button.setAttribute("aria-label", `Open the audit of ${a.quarter}`);
          button.onclick = () => openAudit(a.audit_id);
          row.insertCell().append(button);
        });
        $("audits-summary").textContent = audits.length ? `${audits.length} audit(s).` : "No audit drawn yet.";
      });
    } catch (error) { notice(error.message); }
    listFinalized();
  }

  async function draw() {
    try {
      const { audit } = await (await api("POST", "/v1/audits", { body: {} })).json();
      await load();
      await openAudit(audit.audit_id);
    } catch (error) { $("audits-summary").textContent = error.message; }
  }

  async function openAudit(auditId) {
    openId = auditId;
    try {
      const { audit } = await (await api("GET", `/v1/audits/${encodeURIComponent(auditId)}`)).json();
      drawAudit(audit);
    } catch (error) { notice(error.message); }
  }

  function drawAudit(audit) {
    const me = window.ALPR.state.me.member_id;
    const draft = audit.status === "draft";
    $("audit-detail").hidden = false;
    $("audit-detail-title").textContent = `Audit of ${audit.quarter} (${audit.status})` + (audit.shortfall_note ? ` — ${audit.shortfall_note}` : "");
    fillTable("audit-items", audit.sample, (row, item) => {
      cell(row, String(item.item));
      cell(row, `${when(item.at)} · ${item.member_name} · ${item.action} · ${item.subject}`);
      cell(row, `(${item.purpose}) ${item.purpose_text} · case ${item.case_number}`);
      const finding = row.insertCell(); const comment = row.insertCell(); const save = row.insertCell();
      const own = item.member_id === me;
      if (!draft || own) {
        finding.textContent = item.review ? (item.review.consistent ? "consistent" : "not consistent") : (own ? "your own access: another auditor reviews it" : "not reviewed");
        comment.textContent = item.review ? item.review.comment : "";
        return;
      }
      const select = document.createElement("select");
      select.setAttribute("aria-label", `Finding for item ${item.item}`);
      [["", "Choose"], ["true", "Consistent"], ["false", "Not consistent"]].forEach(([v, t]) => select.add(new Option(t, v)));
      if (item.review) select.value = String(item.review.consistent);
      const text = document.createElement("input");
      text.setAttribute("aria-label", `Comment for item ${item.item}`); text.value = item.review ? item.review.comment : "";
      const button = document.createElement("button");
      button.type = "button"; button.className = "secondary"; button.textContent = item.review ? "Saved" : "Save";
      button.setAttribute("aria-label", `Save the review of item ${item.item}`);
      button.onclick = () => review(audit.audit_id, item.item, select.value, text.value.trim());
      finding.append(select); comment.append(text); save.append(button);
    });
    $("note-safety").value = audit.notes.community_safety; $("note-prosecutions").value = audit.notes.prosecutions;
    $("audit-notes-form").hidden = !draft;
  }

  async function review(auditId, item, consistent, comment) {
    if (consistent === "") { notice("Choose consistent or not consistent first."); return; }
    try {
      const { audit } = await (await api("POST", `/v1/audits/${encodeURIComponent(auditId)}/items/${item}/review`, { body: { consistent: consistent === "true", comment } })).json();
      notice(""); drawAudit(audit); load();
    } catch (error) { notice(error.message); }
  }

  async function saveNotes(event) {
    if (event) event.preventDefault();
    const body = { community_safety: $("note-safety").value, prosecutions: $("note-prosecutions").value };
    const { audit } = await (await api("POST", `/v1/audits/${encodeURIComponent(openId)}/notes`, { body })).json();
    drawAudit(audit);
  }

  async function finalize() {
    try {
      await saveNotes();
      const { audit } = await (await api("POST", `/v1/audits/${encodeURIComponent(openId)}/finalize`, { body: {} })).json();
      drawAudit(audit);
      await load();
      $("audits-summary").textContent = `Finalized ${audit.quarter}: stored under Object Lock at ${audit.locked.key}.`;
    } catch (error) { notice(error.message); }
  }

  async function listFinalized() {
    try {
      await drawLatest("GET", "/v1/audits/finalized", {}, ({ audits }) => {
        fillTable("finalized-table", audits, (row, a) => {
          cell(row, a.quarter); cell(row, when(a.finalized_at)); cell(row, a.finalized_by);
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

  async function bundle(event) {
    event.preventDefault();
    try {
      const made = await (await api("POST", "/v1/audits/bundles", { body: { from: $("bundle-from").value, to: $("bundle-to").value } })).json();
      $("audit-tools-result").textContent = `Annual bundle ${made.bundle_id} stored at ${made.stored_at} (${Object.keys(made.manifest.files || made.manifest).length} part(s) in its manifest).`;
    } catch (error) { $("audit-tools-result").textContent = error.message; }
  }

  async function verifyChain() {
    $("audit-tools-result").textContent = "Verifying…";
    try {
      const result = await (await api("GET", "/v1/audits/access-chain")).json();
      const broken = result.days.filter((d) => !d.intact);
      $("audit-tools-result").textContent = result.intact
        ? `Access-record chain intact: ${result.days.length} day(s), ${result.days.reduce((n, d) => n + d.records, 0)} record(s).`
        : `Access-record chain BROKEN on ${broken.map((d) => `${d.day} (${d.finding})`).join("; ")}.`;
    } catch (error) { $("audit-tools-result").textContent = error.message; }
  }

  function fact(list, name, value) {
    const dt = document.createElement("dt"); dt.textContent = name.replaceAll("_", " ");
    const dd = document.createElement("dd");
    dd.textContent = typeof value === "object" && value !== null ? JSON.stringify(value, null, 1) : String(value);
    list.append(dt, dd);
  }

  async function compliance() {
    try {
      const report = await (await api("GET", "/api/compliance")).json();
      const list = $("compliance-facts"); list.replaceChildren();
      Object.entries(report).forEach(([k, v]) => fact(list, k, v));
      $("compliance-panel").hidden = false;
    } catch (error) { $("audit-tools-result").textContent = error.message; }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("audit-draw").addEventListener("click", draw);
    $("audit-notes-form").addEventListener("submit", (e) => saveNotes(e).catch((error) => notice(error.message)));
    $("audit-finalize").addEventListener("click", finalize);
    $("bundle-form").addEventListener("submit", bundle);
    $("chain-verify").addEventListener("click", verifyChain);
    $("compliance-open").addEventListener("click", compliance);
    const year = new Date().getFullYear() - 1;
    $("bundle-from").value = `${year}-01-01`; $("bundle-to").value = `${year}-12-31`;
    PAGES["audits-view"] = { load };
  });
})();
