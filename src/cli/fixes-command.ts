/** `reimage fixes list`: the registry of known fixes, what each repairs and when it applies. */
import type { Command } from "commander";
import { KNOWN_FIXES } from "../fixes/registry.js";

export function registerFixesCommand(program: Command): void {
  const fixes = program.command("fixes").description("the known fixes reimage applies to deliveries and data");
  fixes
    .command("list")
    .description("every known fix: id, stage, what it repairs, when it applies, what it does")
    .option("--json", "print the registry as JSON")
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        process.stdout.write(JSON.stringify(KNOWN_FIXES, null, 2) + "\n");
        return;
      }
      const out: string[] = [];
      for (const f of KNOWN_FIXES) {
        out.push(`${f.id}  (${f.stage})`);
        out.push(`  repairs: ${f.repairs}`);
        out.push(`  when:    ${f.when}`);
        out.push(`  does:    ${f.action}`);
        out.push(`  source:  ${f.reference}`);
        out.push("");
      }
      process.stdout.write(out.join("\n"));
    });
}
