/**
 * Memory limits for local jobs with the kernel's memory cgroups (v1, as these machines
 * mount them): each limited job runs in a group of its own whose limit the kernel enforces
 * with its OOM killer, as Slurm's task/cgroup plugin does on a cluster. After the job, the
 * group's counters say whether the limit was what ended it.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ErrorCode, ReimageError } from "../domain/errors.js";

export const MEMORY_CGROUP_ROOT = "/sys/fs/cgroup/memory";

export interface MemoryCgroup {
  readonly path: string;
  readonly limitBytes: number;
  /** The words that put a command in this group: a shell joins it, then execs the command. */
  readonly commandPrefix: readonly string[];
  /** What the kernel recorded: the peak usage, and whether its OOM killer acted. */
  report(): Promise<{ maxUsageBytes: number; oomKills: number; evidence: string | undefined }>;
  remove(): Promise<void>;
}

export function memoryCgroupsAvailable(root: string = MEMORY_CGROUP_ROOT): boolean {
  return existsSync(join(root, "memory.limit_in_bytes"));
}

export async function createMemoryCgroup(name: string, limitBytes: number, root: string = MEMORY_CGROUP_ROOT): Promise<MemoryCgroup> {
  const path = join(root, "reimage", name.replace(/[^A-Za-z0-9_.-]/g, "_"));
  try {
    await mkdir(path, { recursive: true });
    await writeFile(join(path, "memory.limit_in_bytes"), String(Math.floor(limitBytes)));
  } catch (caught) {
    throw new ReimageError(ErrorCode.ProcessStartFailed, `cannot make the memory cgroup ${path} with a limit of ${limitBytes} bytes`, { cause: caught });
  }
  const read = async (file: string) => (await readFile(join(path, file), "utf8").catch(() => "")).trim();
  return {
    path,
    limitBytes,
    commandPrefix: ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', path],
    async report() {
      const maxUsageBytes = Number(await read("memory.max_usage_in_bytes")) || 0;
      const oomKills = Number(/oom_kill (\d+)/.exec(await read("memory.oom_control"))?.[1] ?? 0);
      const mib = (b: number) => (b / 2 ** 20).toFixed(0);
      return {
        maxUsageBytes,
        oomKills,
        evidence:
          oomKills > 0
            ? `memory cgroup ${path}: limit ${mib(limitBytes)} MiB reached (peak ${mib(maxUsageBytes)} MiB); the kernel's OOM killer killed ${oomKills} process(es)`
            : undefined,
      };
    },
    async remove() {
      // The group can only go once its last process has: give the kernel a moment.
      for (let i = 0; i < 50; i++) {
        try {
          await rmdir(path);
          return;
        } catch {
          await sleep(100);
        }
      }
    },
  };
}
