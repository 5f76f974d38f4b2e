// Renders GET /public/transparency. Text is set with textContent only: nothing from the answer becomes markup.
"use strict";

function cell(row, text, numeric) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "—" : String(text);
  if (numeric) td.className = "num";
  row.appendChild(td);
}

function fill(tableId, rows) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren();
  for (const values of rows) {
    const tr = document.createElement("tr");
    values.forEach((v) => cell(tr, v, typeof v === "number"));
    body.appendChild(tr);
  }
  if (rows.length === 0) {
    // An empty table says so, in one cell across its columns (no finalized audit yet, no sharing yet).
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = document.querySelectorAll(`#${tableId} thead th`).length;
    td.className = "none";
    td.textContent = "None yet.";
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

function policyItem(item) {
  const li = document.createElement("li");
  const h = document.createElement("h3");
  h.textContent = item.item;
  const law = document.createElement("p");
  law.className = "law";
  law.textContent = item.law;
  const text = document.createElement("p");
  text.textContent = item.text;
  li.append(h, law, text);
  const bullets = item.list || (item.retention || []).map((r) => `${r.cameras}: ${r.days_in_force} days (${r.policy})`);
  if (bullets.length) {
    const ul = document.createElement("ul");
    for (const b of bullets) {
      const entry = document.createElement("li");
      entry.textContent = b;
      ul.appendChild(entry);
    }
    li.appendChild(ul);
  }
  return li;
}

function render(s) {
  const admin = s.alpr_administrator;
  document.getElementById("administrator").textContent = admin
    ? `${admin.title}: ${admin.name} (since ${admin.since.slice(0, 10)})`
    : "Bureau of Services Captain (no designee recorded yet)";
  document.getElementById("policy-items").replaceChildren(...s.policy_items.map(policyItem));
  const retention = s.policy_items.find((i) => i.retention).retention;
  fill("retention", retention.map((r) => [r.cameras, r.days_in_force, r.policy]));
  document.getElementById("backups").textContent = s.backups.statement;
  fill("cameras", Object.entries(s.cameras).map(([kind, c]) => [kind, c.active, c.inactive]));
  const r = s.cameras_reporting;
  document.getElementById("cameras-reporting").textContent =
    `${r.reporting} of ${r.watched} monitored cameras reported within their expected interval (${r.silent} silent).`;
  const m = s.per_month;
  fill("monthly", s.months.map((month) => [month, m.reads[month], m.hotlist_hits[month], m.historical_hits[month], m.searches[month]]));
  document.getElementById("counts-note").textContent = s.counts_note;
  fill("sharing", s.shared_with.map((a) => [a.agency, a.data, a.basis]));
  fill("audits", s.audits.map((a) => [a.quarter, (a.finalized_at || "").slice(0, 10), a.population, a.sampled,
    a.consistent, a.not_consistent, (a.kept_until || "").slice(0, 10)]));
  document.getElementById("generated").textContent = `${new Date(s.generated_at).toLocaleString("en-US", { timeZone: s.time_zone, dateStyle: "long", timeStyle: "short" })} (${s.time_zone})`;
  document.getElementById("status").textContent = "";
}

async function load() {
  const status = document.getElementById("status");
  try {
    const response = await fetch("/public/transparency", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    render(await response.json());
  } catch (error) {
    status.textContent = `The figures could not be loaded: ${error.message}`;
    status.className = "error";
  }
}

document.addEventListener("DOMContentLoaded", load);
