/**
 * Shows a running campaign: plain timestamped lines in CI and pipes; on a terminal the same
 * lines scroll above one redrawn status line with a bar of finished steps.
 */
import type { CampaignEvent } from "../campaign/engine.js";

export interface ProgressView {
  onEvent(event: CampaignEvent): void;
  stop(): void;
}

function shortUid(uid: string): string {
  return uid.replace(/^uid:\/\/A\d{3}\//, "");
}

export function progressView(totalSteps: number, doneSteps: number, out: NodeJS.WriteStream, plain: boolean): ProgressView {
  let done = doneSteps;
  const running = new Map<string, string>();
  const started = Date.now();
  const stamp = () => {
    const s = Math.round((Date.now() - started) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  };
  const statusLine = () => {
    const width = 24;
    const filled = totalSteps === 0 ? width : Math.round((done / totalSteps) * width);
    const bar = "#".repeat(filled) + ".".repeat(width - filled);
    const now = [...running.values()].join(", ");
    return `[${bar}] ${done}/${totalSteps} steps ${stamp()}${now ? `  running: ${now}` : ""}`;
  };
  const print = (line: string) => {
    if (plain) {
      out.write(`${stamp()} ${line}\n`);
      return;
    }
    out.write(`\r\x1b[2K${line}\n${statusLine().slice(0, (out.columns || 120) - 1)}`);
  };
  return {
    onEvent(event) {
      switch (event.type) {
        case "run-started":
          print(`run ${event.runId} started${event.recoveredSteps ? `; ${event.recoveredSteps} interrupted step(s) will run again` : ""}`);
          break;
        case "step-started":
          running.set(`${event.mousUid}/${event.step}`, `${shortUid(event.mousUid)} ${event.step}`);
          print(`${shortUid(event.mousUid)} ${event.step}: started (attempt ${event.attempt})`);
          break;
        case "step-output":
          print(`${shortUid(event.mousUid)} ${event.step}: ${event.line}`);
          break;
        case "step-finished": {
          running.delete(`${event.mousUid}/${event.step}`);
          if (event.state === "succeeded" || event.state === "failed") done += 1;
          const why = event.failure ? ` [${event.failure.errorClass}] ${event.failure.message}` : "";
          print(`${shortUid(event.mousUid)} ${event.step}: ${event.state} in ${event.seconds.toFixed(1)} s${why}`);
          break;
        }
        case "run-finished":
          print(`run ${event.runId} ${event.state}`);
          break;
      }
    },
    stop() {
      if (!plain) out.write("\r\x1b[2K");
    },
  };
}
