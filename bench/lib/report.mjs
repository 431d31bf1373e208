// Turns the collected bench figures into the printed tables and bench/RESULTS.md: medians per
// scenario for tsgi, native and bare (and base, with --baseline), the median of the per-round
// ratios tsgi/native (and tsgi/base) and async/sync per variant, and every error or failure flagged.
// A scenario whose base ran side by side with tsgi has a "beside" entry instead: its figures are
// already the ratios (base's CPU time per request over tsgi's), one per round.
// It must never drop a flagged run silently or print a figure for a server that failed validation.

export function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** One cell: the median (req/s, KiB per connection for memory, or ms for a latency), "!" when a run had errors. */
function cell(entry, scenario) {
  if (!entry) return "-";
  const m = median(entry.values);
  if (m === undefined) return entry.failures.length ? "failed" : "-";
  const text = scenario.memory ? `${(m / 1024).toFixed(1)} KiB` : scenario.unit === "ms" ? `${m.toFixed(2)} ms` : int.format(m);
  return entry.errors.length || entry.failures.length ? `${text} !` : text;
}

/** The median over rounds of tsgi/native (or tsgi/base), each ratio taken within one round (the two ran back to back). */
export function medianRatio(tsgi, native) {
  if (!tsgi || !native) return undefined;
  const ratios = [];
  tsgi.byRound.forEach((a, round) => {
    const b = native.byRound[round];
    if (a !== undefined && b) ratios.push(a / b);
  });
  return median(ratios);
}

function ratio(tsgi, native) {
  const r = medianRatio(tsgi, native);
  return r === undefined ? "-" : r.toFixed(2);
}

/** The table header; `withBase` adds the base and tsgi/base columns after tsgi. */
export function header(withBase) {
  return ["scenario", "tsgi", ...(withBase ? ["base", "tsgi/base"] : []), "native", "tsgi/native", "bare socket"];
}

/** The tsgi/base cells: base's req/s and the ratio, or "side by side" and the median of its ratios. */
function baseCells(r, s) {
  if (!r.beside) return [cell(r.base, s), ratio(r.tsgi, r.base)];
  const m = median(r.beside.values);
  const flag = r.beside.errors.length || r.beside.failures.length ? " !" : "";
  return ["side by side", m === undefined ? (r.beside.failures.length ? "failed" : "-") : `${m.toFixed(3)}${flag}`];
}

/** Rows [label, tsgi, (base, tsgi/base,) native, tsgi/native, bare] for one runtime, matching header(withBase). */
export function rows(scenarios, byScenario, withBase = false) {
  return scenarios.map((s) => {
    const r = byScenario[s.name] ?? {};
    const base = withBase ? baseCells(r, s) : [];
    const lower = s.memory || s.unit === "ms";
    return [lower ? `${s.label} (lower is better)` : s.label, cell(r.tsgi, s), ...base, cell(r.native, s), ratio(r.tsgi, r.native), cell(r.bare, s)];
  });
}

/** One line per scenario: its ratio tsgi/`other` (native or base) in each round, in round order. */
export function roundRatios(scenarios, byScenario, other = "native") {
  const out = [];
  for (const s of scenarios) {
    const r = byScenario[s.name] ?? {};
    if (other === "base" && r.beside) {
      if (r.beside.byRound.length) out.push(`${s.name}: ${Array.from(r.beside.byRound, (v) => (v === undefined ? "-" : v.toFixed(3))).join(" ")}`);
      continue;
    }
    if (!r.tsgi || !r[other]) continue;
    const each = r.tsgi.byRound.map((a, round) => {
      const b = r[other].byRound[round];
      return a !== undefined && b ? (a / b).toFixed(2) : "-";
    });
    if (each.length) out.push(`${s.name}: ${each.join(" ")}`);
  }
  return out;
}

/** One item per side-by-side scenario: the medians of tsgi's and base's CPU microseconds per request, all threads and (in brackets) the main thread's. */
export function besideCpu(scenarios, byScenario) {
  const out = [];
  for (const s of scenarios) {
    const cpu = byScenario[s.name]?.beside?.cpu ?? [];
    if (cpu.length === 0) continue;
    const us = (i) => (median(cpu.map((c) => c[i])) / 1000).toFixed(2);
    out.push(`${s.name} ${us(0)} / ${us(1)} (${us(2)} / ${us(3)})`);
  }
  return out;
}

/** Every flagged thing of one runtime as text lines. */
export function notes(scenarios, byScenario) {
  const out = [];
  for (const s of scenarios) {
    for (const [kind, entry] of Object.entries(byScenario[s.name] ?? {})) {
      for (const e of entry.errors) out.push(`${s.name}/${kind}: ${e}`);
      for (const f of entry.failures) out.push(`${s.name}/${kind}: not measured: ${f}`);
    }
  }
  return out;
}

export function textTable(title, head, table) {
  const all = [head, ...table];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("   ");
  return [title, line(head), widths.map((w) => "-".repeat(w)).join("   "), ...table.map(line)].join("\n");
}

export function markdownTable(head, table) {
  const esc = (c) => c.replace(/\|/g, "\\|");
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`,
    ...table.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** Rows [label, ratio per kind]: the async variant over the sync one, the median of per-round ratios. */
export function variantRows(scenarios, asyncByScenario, syncByScenario, kinds) {
  return scenarios.map((s) => [s.label, ...kinds.map((k) => ratio(asyncByScenario[s.name]?.[k], syncByScenario[s.name]?.[k]))]);
}
