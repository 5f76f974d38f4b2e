// Camera health on the Administration view (policy 418.3.1(c), issue 17): a self-contained panel, so the page's
// own script needs no change. It reads GET /v1/admin/cameras/health with the signed-in member's token and is
// drawn when the Administration tab opens (and on "Refresh").
"use strict";

(() => {
  const STATE_TEXT = {
    silent: "SILENT", never_seen: "never seen", ok: "reporting", not_watched: "not watched", deactivated: "deactivated",
  };

  function panel() {
    let section = document.getElementById("camera-health");
    if (section) return section;
    const view = document.getElementById("admin-view");
    if (!view) return null;
    section = document.createElement("section");
    section.id = "camera-health";
    section.setAttribute("aria-labelledby", "camera-health-title");
    section.innerHTML = `<h3 id="camera-health-title">Camera health (418.3.1(c))</h3>
      <p id="camera-health-summary" role="status"></p>
      <button type="button" id="camera-health-refresh">Refresh</button>
      <table id="camera-health-table"><thead><tr><th scope="col">Camera</th><th scope="col">State</th>
      <th scope="col">Last seen</th><th scope="col">Expected every</th><th scope="col">Agent</th>
      <th scope="col">Spool</th><th scope="col">Capture clock</th><th scope="col">Last error</th></tr></thead><tbody></tbody></table>`;
    view.appendChild(section);
    section.querySelector("#camera-health-refresh").addEventListener("click", draw);
    return section;
  }

  async function draw() {
    const section = panel();
    if (!section) return;
    const summary = section.querySelector("#camera-health-summary");
    const token = sessionStorage.getItem("alpr-token");
    try {
      const response = await fetch("/v1/admin/cameras/health", { headers: token ? { Authorization: "Bearer " + token } : {} });
      if (!response.ok) throw new Error((await response.json().catch(() => ({}))).message || response.statusText);
      const { cameras } = await response.json();
      const body = section.querySelector("tbody");
      body.replaceChildren(...cameras.map((c) => {
        const row = document.createElement("tr");
        if (c.state === "silent") row.className = "alarm";
        [c.camera_id + (c.name ? ` (${c.name})` : ""), STATE_TEXT[c.state] || c.state, c.last_seen ? new Date(c.last_seen).toLocaleString() : "never",
          c.expected_interval_s ? `${Math.round(c.expected_interval_s / 60)} min` : "-", c.agent_version || "",
          c.spool_depth ?? "", c.capture_clock || "", c.last_error || ""].forEach((text) => {
          const cell = document.createElement("td"); cell.textContent = String(text); row.appendChild(cell);
        });
        return row;
      }));
      const silent = cameras.filter((c) => c.state === "silent").length;
      summary.textContent = silent ? `${silent} camera(s) silent past their expected interval.` : "No camera is silent.";
    } catch (error) {
      summary.textContent = `Camera health could not be loaded: ${error.message}`;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const tab = document.getElementById("tab-admin");
    if (tab) tab.addEventListener("click", () => { draw(); });
  });
})();
