// Sharing: captains see the requests outside agencies filed and approve (the grant token shown once, with a
// copy button) or deny with a reason; administrators keep the agency registry; auditors read the file.
"use strict";

(() => {
  const { $, api, drawLatest, fillTable, cell, when, notice, PAGES } = window.ALPR;

  async function load() {
    const decides = document.body.classList.contains("can-administer");
    try {
      await drawLatest("GET", "/api/sharing/requests", { params: { status: $("sharing-status").value } }, ({ requests }) => {
        fillTable("sharing-table", requests, (row, r) => {
          cell(row, when(r.filed_at));
          cell(row, `${r.agency_name} (${r.ori})`); cell(row, r.requester_name);
          cell(row, `${r.intended_purpose} · case ${r.case_number}`);
          cell(row, `${r.data_class}: ${r.plates.join(", ")}, ${when(r.window_start)} to ${when(r.window_end)}`);
          // The rule decision: what the sharing rules said when the request was filed (or refused it).
          cell(row, r.reason || "the rules allow it: the captain decides");
          cell(row, r.status + (r.decided_by ? ` by ${r.decided_by}` : "") + (r.decision_note ? `: ${r.decision_note}` : ""));
          const decide = row.insertCell();
          if (!decides || r.status !== "pending") return;
          const approve = document.createElement("button");
          approve.type = "button"; approve.textContent = "Approve";
          approve.setAttribute("aria-label", `Approve the request of ${r.agency_name}`);
          approve.onclick = () => decideRequest(r, "approve", {});
          const reason = document.createElement("input");
          reason.setAttribute("aria-label", `Reason to deny the request of ${r.agency_name}`); reason.placeholder = "reason to deny";
          const deny = document.createElement("button");
          deny.type = "button"; deny.className = "secondary"; deny.textContent = "Deny";
          deny.onclick = () => decideRequest(r, "deny", { note: reason.value.trim() });
          decide.append(approve, " ", reason, " ", deny);
        });
        const which = $("sharing-status").selectedOptions[0].textContent.toLowerCase();
        $("sharing-summary").textContent = requests.length ? `${requests.length} request(s): ${which}.` : `No requests: ${which}.`;
      });
    } catch (error) { notice(error.message); }
    loadAgencies();
  }

  async function decideRequest(request, verb, body) {
    try {
      const answer = await (await api("POST", `/api/sharing/requests/${encodeURIComponent(request.request_id)}/${verb}`, { body })).json();
      if (verb === "approve") {
        $("grant-for").textContent = `${request.agency_name} (request ${request.request_id}, until ${when(answer.request.grant_expires_at)})`;
        $("grant-token").textContent = answer.grant_token;
        $("grant-box").hidden = false;
        $("grant-copy").focus();
      }
      await load();
    } catch (error) { $("sharing-summary").textContent = error.message; }
  }

  async function loadAgencies() {
    try {
      await drawLatest("GET", "/api/sharing/agencies", {}, ({ agencies }) => {
        $("agency-panel").hidden = false;
        fillTable("agency-table", agencies, (row, a) => {
          cell(row, a.ori); cell(row, a.name); cell(row, a.state); cell(row, a.agency_type);
          cell(row, a.ncric_partner ? "yes" : "no"); cell(row, a.fixed_camera_access ? "yes" : "no");
        });
      });
    } catch (error) { notice(error.message); }
  }

  async function addAgency(event) {
    event.preventDefault();
    const body = { ori: $("agency-ori").value.trim(), name: $("agency-name").value.trim(), state: $("agency-state").value.trim(),
      agency_type: $("agency-type").value, ncric_partner: $("agency-ncric").checked, fixed_camera_access: $("agency-fixed").checked };
    try { await api("POST", "/api/sharing/agencies", { body }); $("agency-form").reset(); await loadAgencies(); }
    catch (error) { notice(error.message); }
  }

  async function copyToken() {
    const token = $("grant-token").textContent;
    try { await navigator.clipboard.writeText(token); $("grant-copy").textContent = "Copied"; }
    catch (e) {
      // No clipboard permission: select the token so Ctrl+C copies it.
      const range = document.createRange(); range.selectNodeContents($("grant-token"));
      const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
      $("grant-copy").textContent = "Selected: press Ctrl+C";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("sharing-status").addEventListener("change", load);
    $("grant-copy").addEventListener("click", copyToken);
    $("agency-form").addEventListener("submit", addAgency);
    PAGES["sharing-view"] = { load, leave: () => { $("grant-box").hidden = true; $("grant-token").textContent = ""; } };
  });
})();
