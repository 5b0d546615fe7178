/**
 * A real one-node Slurm cluster on this machine for the integration tests: Debian's
 * slurmctld, slurmd, slurm-client and munge, installed if absent (we are root; CI machines
 * start fresh), a private configuration with memory enforced by cgroups (v1, as these
 * machines mount them), munged, slurmctld and slurmd started without systemd, and the node
 * waited for until `sinfo` shows it idle. `stop()` shuts down what was started here.
 *
 * Nothing is skipped: a cluster that cannot start throws with the daemons' log tails.
 * Clients find the cluster through `SLURM_CONF` in `env`, so a site's own /etc/slurm is
 * neither used nor touched.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, totalmem } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Fixed, so that daemons a crashed test run left behind are found by their pid files. */
const ROOT = "/tmp/reimage-slurm";
const PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"] as const;
const MiB = 2 ** 20;

export interface SlurmCluster {
  /** This process's environment with SLURM_CONF pointing at the test cluster. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly confFile: string;
  readonly node: string;
  /** Memory the node offers to jobs. */
  readonly nodeMemoryBytes: number;
  stop(): Promise<void>;
}

interface Ran {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

function run(command: string, args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { shell: false, timeout: timeoutMs, maxBuffer: 64 * MiB, ...(env && { env }) }, (error, stdout, stderr) => {
      if (error && typeof error.code === "string") reject(new Error(`cannot run ${command}: ${error.message}`, { cause: error }));
      else resolve({ stdout, stderr, code: error ? (typeof error.code === "number" ? error.code : -1) : 0 });
    });
  });
}

async function must(command: string, args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs?: number): Promise<string> {
  const r = await run(command, args, env, timeoutMs);
  if (r.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${r.code}: ${(r.stderr || r.stdout).slice(-2000)}`);
  return r.stdout;
}

const installed = (program: string) => ["/usr/bin", "/usr/sbin", "/bin", "/sbin"].some((dir) => existsSync(join(dir, program)));

async function ensurePackages(): Promise<void> {
  if (["sbatch", "slurmctld", "slurmd", "munged"].every(installed)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await must("apt-get", ["update", "-q"], env, 10 * 60_000);
  // Another engineer's or test's apt may hold the lock for a while: wait for it, do not fail.
  await must("apt-get", ["install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600", ...PACKAGES], env, 20 * 60_000);
  for (const p of ["sbatch", "slurmctld", "slurmd", "munged"]) if (!installed(p)) throw new Error(`${p} is still missing after installing ${PACKAGES.join(" ")}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pidFrom(file: string): Promise<number | undefined> {
  const n = Number((await readFile(file, "utf8").catch(() => "")).trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Ends a daemon this helper started (its pid file says which), and waits until it has gone. */
async function stopDaemon(pidFile: string, program: string): Promise<void> {
  const pid = await pidFrom(pidFile);
  if (pid === undefined || !alive(pid)) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (!cmdline.includes(program)) return; // the pid was reused by a stranger
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

async function startMunge(): Promise<{ stop: () => Promise<void> }> {
  if (!existsSync("/etc/munge/munge.key")) await must("/usr/sbin/mungekey", ["--create", "--keyfile=/etc/munge/munge.key"]);
  await must("chown", ["munge:munge", "/etc/munge/munge.key"]);
  const works = async () => (await run("munge", ["-n"]).catch(() => ({ code: 1 }))).code === 0;
  // A munged that is already serving (a site's, another suite's) is used and left alone.
  if (await works()) return { stop: async () => {} };
  await mkdir("/run/munge", { recursive: true });
  await must("chown", ["munge:munge", "/run/munge"]);
  await must("runuser", ["-u", "munge", "--", "/usr/sbin/munged", "--force"]);
  for (let i = 0; i < 50 && !(await works()); i++) await sleep(100);
  if (!(await works())) throw new Error("munged started but `munge -n` does not work");
  return { stop: () => stopDaemon("/run/munge/munged.pid", "munged") };
}

/** `NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105`, from the node itself. */
async function nodeLine(): Promise<{ node: string; line: string; memoryMiB: number }> {
  const first = (await must("slurmd", ["-C"])).split("\n")[0] ?? "";
  const detected = Number(/RealMemory=(\d+)/.exec(first)?.[1] ?? Math.floor(totalmem() / MiB));
  // Leave the system a little: a node that finds less memory than configured drains itself.
  const memoryMiB = Math.max(1024, detected - 1024);
  const node = /NodeName=(\S+)/.exec(first)?.[1] ?? hostname();
  return { node, memoryMiB, line: `${first.replace(/RealMemory=\d+/, `RealMemory=${memoryMiB}`)} NodeAddr=127.0.0.1` };
}

function slurmConf(node: string, nodeLineText: string): string {
  return `# A one-node test cluster written by reimage's test helper (test/services/slurm.ts).
ClusterName=reimage-test
SlurmctldHost=${node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=${ROOT}/state
SlurmdSpoolDir=${ROOT}/spool
SlurmctldPidFile=${ROOT}/slurmctld.pid
SlurmdPidFile=${ROOT}/slurmd.pid
SlurmctldLogFile=${ROOT}/log/slurmctld.log
SlurmdLogFile=${ROOT}/log/slurmd.log
MpiDefault=none
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
JobAcctGatherType=jobacct_gather/cgroup
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=300
JobCompType=jobcomp/filetxt
JobCompLoc=${ROOT}/log/jobcomp.txt
${nodeLineText}
PartitionName=main Nodes=${node} Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=1024
`;
}

const CGROUP_CONF = `CgroupPlugin=cgroup/v1
ConstrainCores=yes
ConstrainRAMSpace=yes
`;

async function tail(file: string): Promise<string> {
  return (await readFile(file, "utf8").catch(() => "(no log)")).split("\n").slice(-15).join("\n");
}

export async function startSlurm(): Promise<SlurmCluster> {
  await ensurePackages();
  // Daemons of an earlier run of these tests that did not stop them.
  await stopDaemon(join(ROOT, "slurmd.pid"), "slurmd");
  await stopDaemon(join(ROOT, "slurmctld.pid"), "slurmctld");
  await rm(join(ROOT, "state"), { recursive: true, force: true });
  await rm(join(ROOT, "spool"), { recursive: true, force: true });
  for (const dir of ["state", "spool", "log"]) await mkdir(join(ROOT, dir), { recursive: true });

  const munge = await startMunge();
  const { node, line, memoryMiB } = await nodeLine();
  const confFile = join(ROOT, "slurm.conf");
  await writeFile(confFile, slurmConf(node, line));
  // Slurm reads cgroup.conf from beside slurm.conf.
  await writeFile(join(ROOT, "cgroup.conf"), CGROUP_CONF);
  const env = { ...process.env, SLURM_CONF: confFile };

  const stop = async () => {
    await run("scontrol", ["shutdown"], env).catch(() => undefined);
    await stopDaemon(join(ROOT, "slurmd.pid"), "slurmd");
    await stopDaemon(join(ROOT, "slurmctld.pid"), "slurmctld");
    await munge.stop();
  };
  try {
    await must("slurmctld", ["-f", confFile], env);
    await must("slurmd", ["-f", confFile], env);
    let state = "";
    for (let i = 0; i < 120; i++) {
      state = (await run("sinfo", ["-h", "-n", node, "-o", "%T"], env)).stdout.trim();
      if (state === "idle") break;
      await sleep(250);
    }
    if (state !== "idle") {
      throw new Error(
        `the test Slurm cluster did not become idle in 30 s (sinfo: "${state}")\nslurmctld.log:\n${await tail(join(ROOT, "log/slurmctld.log"))}\nslurmd.log:\n${await tail(join(ROOT, "log/slurmd.log"))}`,
      );
    }
  } catch (caught) {
    await stop();
    throw caught;
  }
  return { env, confFile, node, nodeMemoryBytes: memoryMiB * MiB, stop };
}
