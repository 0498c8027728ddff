// unlocksim workbench: builds the controls of the chosen scenario from /api/scenarios, posts
// /api/run on every change (a newer change aborts the older request; the server cancels its
// runs too) and redraws the metrics, the CDF, the sample RSSI timeline, the rule and the
// reproduce command. The URL query (?scenario=NAME&runs=N&seed=S&set.NAME=VALUE) sets the
// starting point, applied through the same input events a user's move fires.
"use strict";

const client = Math.random().toString(36).slice(2, 12);
const $ = (id) => document.getElementById(id);
let scenarios = [];
let overrides = {};
let inFlight = null;
let timer = null;
let charts = {};

function fmt(x, unit) {
  if (x === null || x === undefined) return "–";
  if (unit === "share") return (100 * x).toFixed(1) + " %";
  if (unit === "s") return x.toFixed(1) + " s";
  return x.toFixed(3) + " " + unit;
}

function makeControl(control) {
  const div = document.createElement("div");
  div.className = "control own";
  const label = document.createElement("label");
  label.textContent = control.label + " ";
  const code = document.createElement("code");
  code.textContent = control.name;
  label.appendChild(code);
  div.appendChild(label);
  let input;
  const value = document.createElement("span");
  value.className = "value";
  if (control.kind === "number") {
    input = document.createElement("input");
    input.type = "range";
    input.min = control.min; input.max = control.max; input.step = control.step;
    input.value = control.value;
    value.textContent = control.value + " " + control.unit + " (own)";
  } else {
    input = document.createElement("select");
    for (const option of control.options) {
      const o = document.createElement("option");
      o.value = option; o.textContent = option;
      input.appendChild(o);
    }
    input.value = control.value;
  }
  input.id = "control-" + control.name;
  input.addEventListener("input", () => {
    overrides[control.name] = control.kind === "number" ? Number(input.value) : input.value;
    div.classList.remove("own");
    value.textContent = control.kind === "number" ? input.value + " " + control.unit : "";
    schedule();
  });
  const reset = document.createElement("button");
  reset.textContent = "reset";
  reset.addEventListener("click", () => {
    delete overrides[control.name];
    input.value = control.value;
    div.classList.add("own");
    value.textContent = control.kind === "number" ? control.value + " " + control.unit + " (own)" : "";
    schedule();
  });
  div.appendChild(input);
  div.appendChild(value);
  div.appendChild(reset);
  return div;
}

function showScenario(name) {
  const scenario = scenarios.find((s) => s.name === name) || scenarios[0];
  overrides = {};
  $("description").textContent = scenario.title + (scenario.description ? ": " + scenario.description : "");
  $("settings").replaceChildren();
  $("robustness").replaceChildren();
  for (const control of scenario.controls) {
    $(control.group === "setting" ? "settings" : "robustness").appendChild(makeControl(control));
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(run, 40);
}

async function saveStudy() {
  const body = { scenario: $("scenario").value, runs: Number($("runs").value), set: overrides, client };
  try {
    const response = await fetch("/api/study", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error((await response.json()).error || response.statusText);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = "workbench-" + body.scenario + ".yaml";
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    $("status").textContent = "error: " + error.message;
  }
}

async function run() {
  if (inFlight) inFlight.abort();
  const abort = new AbortController();
  inFlight = abort;
  document.body.dataset.state = "running";
  $("status").textContent = "simulating…";
  const body = { scenario: $("scenario").value, runs: Number($("runs").value), set: overrides, client };
  const seed = new URLSearchParams(location.search).get("seed");
  if (seed !== null) body.seed = Number(seed);
  const started = performance.now();
  try {
    const response = await fetch("/api/run", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), signal: abort.signal,
    });
    const answer = await response.json();
    if (abort !== inFlight) return;
    if (!response.ok) throw new Error(answer.error || response.statusText);
    draw(answer);
    const total = performance.now() - started;
    $("status").textContent = answer.runs + " runs: " + answer.server_ms.toFixed(0) +
      " ms on the server, " + total.toFixed(0) + " ms in all";
    document.body.dataset.totalMs = total.toFixed(0);
    document.body.dataset.state = "done";
  } catch (error) {
    if (error.name === "AbortError" || abort !== inFlight) return;
    $("status").textContent = "error: " + error.message;
    document.body.dataset.state = "error";
  }
}

function draw(answer) {
  $("walk-aways").textContent = answer.walk_aways;
  const tbody = $("metrics").querySelector("tbody");
  tbody.replaceChildren();
  for (const m of answer.metrics) {
    const row = tbody.insertRow();
    row.insertCell().textContent = m.label;
    const value = row.insertCell();
    value.className = "num";
    value.textContent = m.never ? "never" : fmt(m.value, m.unit);
    const interval = row.insertCell();
    interval.className = "num";
    interval.textContent = m.low === null && m.high === null ? "" :
      fmt(m.low, m.unit) + " – " + (m.high === null ? "never" : fmt(m.high, m.unit));
  }
  const median = answer.metrics.find((m) => m.name === "time_to_lock_s_p50");
  $("median").textContent = median.never ? "never" : fmt(median.value, "s");
  $("median").dataset.value = median.value === null ? "" : String(median.value);
  $("reference-median").textContent = fmt(answer.reference.time_to_lock_s_p50, "s");
  drawCdf(answer);
  drawRssi(answer.sample);
  $("sample-seed").textContent = answer.sample.seed;
  $("rule-dynamic-lock").textContent = answer.rule.dynamic_lock ? "Dynamic Lock: " + answer.rule.dynamic_lock : "(no Dynamic Lock rule)";
  $("rule-unlock").textContent = answer.rule.unlock ? "Unlock: " + answer.rule.unlock : "(no unlock signal rule)";
  $("rule-csp").textContent = answer.rule.csp;
  $("repro").textContent = answer.repro;
}

// Joins two step CDFs on one x axis (uPlot wants one).
function joinCdfs(a, b) {
  const xs = Array.from(new Set([0, ...a.t_s, ...b.t_s])).sort((x, y) => x - y);
  const at = (cdf) => {
    let i = 0, share = 0;
    return xs.map((x) => {
      while (i < cdf.t_s.length && cdf.t_s[i] <= x) { share = cdf.share[i]; i++; }
      return share;
    });
  };
  return [xs, at(a), at(b)];
}

function width(id) {
  return Math.max(400, $(id).clientWidth || 700);
}

function drawCdf(answer) {
  const data = joinCdfs(answer.cdf, answer.reference.cdf);
  const stepped = uPlot.paths.stepped({ align: 1 });
  const opts = {
    width: width("cdf-chart"), height: 260,
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [{ label: "seconds after walking away" }, { label: "share of walk-aways locked" }],
    series: [{ label: "t (s)" },
      { label: "this setting", stroke: "#1f77b4", width: 2, paths: stepped },
      { label: answer.reference.label, stroke: "#999", dash: [6, 4], width: 2, paths: stepped }],
  };
  if (charts.cdf) charts.cdf.destroy();
  charts.cdf = new uPlot(opts, data, $("cdf-chart"));
}

function drawRssi(sample) {
  const rssiMin = sample.t_s.map(() => sample.rssi_min_db);
  const data = [sample.t_s, sample.rssi_db, sample.absence_threshold_db, rssiMin];
  const opts = {
    width: width("rssi-chart"), height: 260,
    scales: { x: { time: false } },
    axes: [{ label: "seconds" }, { label: "relative RSSI (dB)" }],
    series: [{ label: "t (s)" },
      { label: "RSSI " + sample.phone + " at " + sample.pc, stroke: "#1f77b4", width: 1.5 },
      { label: "absence threshold", stroke: "#d62728", dash: [5, 3], width: 1.5 },
      { label: "rssiMin", stroke: "#2ca02c", dash: [2, 3], width: 1.5 }],
  };
  opts.hooks = { draw: [(u) => marks(u, sample)] };
  if (charts.rssi) charts.rssi.destroy();
  charts.rssi = new uPlot(opts, data, $("rssi-chart"));
}

// Vertical marks on the RSSI chart: the user leaving (orange) or coming back (grey) and the
// PC locking (red, solid).
function marks(u, sample) {
  const ctx = u.ctx;
  const line = (t, colour, dash) => {
    const x = Math.round(u.valToPos(t, "x", true));
    ctx.save();
    ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.setLineDash(dash);
    ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke(); ctx.restore();
  };
  for (const [t, what] of sample.desk) line(t, what === "left" ? "#ff7f0e" : "#888", [4, 4]);
  for (const [t] of sample.locks) line(t, "#d62728", []);
}

async function start() {
  const response = await fetch("/api/scenarios");
  const list = await response.json();
  scenarios = list.scenarios;
  const params = new URLSearchParams(location.search);
  for (const s of scenarios) {
    const o = document.createElement("option");
    o.value = s.name; o.textContent = s.name;
    $("scenario").appendChild(o);
  }
  $("scenario").value = params.get("scenario") || (scenarios.find((s) => s.name.startsWith("walk_away")) || scenarios[0]).name;
  $("runs").value = params.get("runs") || list.default_runs;
  showScenario($("scenario").value);
  $("save-study").addEventListener("click", saveStudy);
  $("scenario").addEventListener("change", () => { showScenario($("scenario").value); schedule(); });
  $("runs").addEventListener("change", schedule);
  for (const [key, value] of params) {
    if (!key.startsWith("set.")) continue;
    const input = $("control-" + key.slice(4));
    if (!input) continue;
    input.value = value;
    input.dispatchEvent(new Event("input"));
  }
  schedule();
}

start().catch((error) => {
  $("status").textContent = "error: " + error.message;
  document.body.dataset.state = "error";
});
