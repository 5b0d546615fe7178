/** Plain-text tables for the terminal. */
export function table(headers: readonly string[], rawRows: readonly (readonly string[])[]): string {
  // One line per row, whatever a cell holds (error messages carry newlines and tabs).
  const rows = rawRows.map((r) => r.map((c) => c.replace(/\s+/g, " ")));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}
