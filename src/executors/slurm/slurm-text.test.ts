/**
 * Slurm's output read into values. Every string below was printed by Slurm 22.05.8
 * (Debian 12's slurm-client) on a one-node test cluster: a job that completed, one whose
 * script exited 3, one over its --mem, one cancelled with scancel, one past its --time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { jobEnd } from "./job-end.js";
import {
  accountingDisabled,
  isEndedState,
  parseExitCode,
  parseSacct,
  parseSbatchJobId,
  parseScontrolJob,
  parseSlurmDuration,
  parseSlurmMemory,
  parseSqueue,
  parseSstatMaxRss,
  signalName,
  unknownJob,
} from "./slurm-text.js";

const MiB = 2 ** 20;

/** `scontrol show job N` after each job ended. */
const COMPLETED = `JobId=1 JobName=reimage-ok
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901759 Nice=0 Account=(null) QOS=(null)
   JobState=COMPLETED Reason=None Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0
   RunTime=00:00:02 TimeLimit=UNLIMITED TimeMin=N/A
   SubmitTime=2026-11-25T08:21:22 EligibleTime=2026-11-25T08:21:22
   AccrueTime=2026-11-25T08:21:22
   StartTime=2026-11-25T08:21:23 EndTime=2026-11-25T08:21:25 Deadline=N/A
   SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-25T08:21:23 Scheduler=Main
   Partition=main AllocNode:Sid=localhost:13207
   ReqNodeList=(null) ExcNodeList=(null)
   NodeList=vm
   BatchHost=vm
   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*
   TRES=cpu=1,mem=200M,node=1,billing=1
   Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*
   MinCPUsNode=1 MinMemoryNode=200M MinTmpDiskNode=0
   Features=(null) DelayBoot=00:00:00
   OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)
   Command=/tmp/slurmexp/jobs/ok.sh
   WorkDir=/tmp/slurmexp/jobs
   StdErr=/tmp/slurmexp/jobs/ok.err
   StdIn=/dev/null
   StdOut=/tmp/slurmexp/jobs/ok.out
   Power=
   

`;
const FAILED = `JobId=2 JobName=fail
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901758 Nice=0 Account=(null) QOS=(null)
   JobState=FAILED Reason=NonZeroExitCode Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0
   RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A
   SubmitTime=2026-11-25T08:21:22 EligibleTime=2026-11-25T08:21:22
   AccrueTime=2026-11-25T08:21:22
   StartTime=2026-11-25T08:21:23 EndTime=2026-11-25T08:21:23 Deadline=N/A
   SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-25T08:21:23 Scheduler=Main
   Partition=main AllocNode:Sid=localhost:13207
   ReqNodeList=(null) ExcNodeList=(null)
   NodeList=vm
   BatchHost=vm
   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*
   TRES=cpu=1,mem=1G,node=1,billing=1
   Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*
   MinCPUsNode=1 MinMemoryCPU=1G MinTmpDiskNode=0
   Features=(null) DelayBoot=00:00:00
   OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)
   Command=/tmp/slurmexp/jobs/fail.sh
   WorkDir=/tmp/slurmexp/jobs
   StdErr=/tmp/slurmexp/jobs/fail.err
   StdIn=/dev/null
   StdOut=/tmp/slurmexp/jobs/fail.out
   Power=
   

`;
const OUT_OF_MEMORY = `JobId=3 JobName=oom
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901757 Nice=0 Account=(null) QOS=(null)
   JobState=OUT_OF_MEMORY Reason=OutOfMemory Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:125
   RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A
   SubmitTime=2026-11-25T08:21:22 EligibleTime=2026-11-25T08:21:22
   AccrueTime=2026-11-25T08:21:22
   StartTime=2026-11-25T08:21:26 EndTime=2026-11-25T08:21:26 Deadline=N/A
   SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-25T08:21:26 Scheduler=Main
   Partition=main AllocNode:Sid=localhost:13207
   ReqNodeList=(null) ExcNodeList=(null)
   NodeList=vm
   BatchHost=vm
   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*
   TRES=cpu=1,mem=200M,node=1,billing=1
   Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*
   MinCPUsNode=1 MinMemoryNode=200M MinTmpDiskNode=0
   Features=(null) DelayBoot=00:00:00
   OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)
   Command=/tmp/slurmexp/jobs/oom.sh
   WorkDir=/tmp/slurmexp/jobs
   StdErr=/tmp/slurmexp/jobs/oom.err
   StdIn=/dev/null
   StdOut=/tmp/slurmexp/jobs/oom.out
   Power=
   

`;
const CANCELLED = `JobId=4 JobName=cancel
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901756 Nice=0 Account=(null) QOS=(null)
   JobState=CANCELLED Reason=None Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:15
   RunTime=00:00:01 TimeLimit=UNLIMITED TimeMin=N/A
   SubmitTime=2026-11-25T08:21:22 EligibleTime=2026-11-25T08:21:22
   AccrueTime=2026-11-25T08:21:22
   StartTime=2026-11-25T08:21:26 EndTime=2026-11-25T08:21:27 Deadline=N/A
   SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-25T08:21:26 Scheduler=Main
   Partition=main AllocNode:Sid=localhost:13207
   ReqNodeList=(null) ExcNodeList=(null)
   NodeList=vm
   BatchHost=vm
   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*
   TRES=cpu=1,mem=100M,node=1,billing=1
   Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*
   MinCPUsNode=1 MinMemoryNode=100M MinTmpDiskNode=0
   Features=(null) DelayBoot=00:00:00
   OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)
   Command=/tmp/slurmexp/jobs/long.sh
   WorkDir=/tmp/slurmexp/jobs
   StdErr=/tmp/slurmexp/jobs/c.out
   StdIn=/dev/null
   StdOut=/tmp/slurmexp/jobs/c.out
   Power=
   

`;
const TIMEOUT = `JobId=5 JobName=timeout
   UserId=root(0) GroupId=root(0) MCS_label=N/A
   Priority=4294901755 Nice=0 Account=(null) QOS=(null)
   JobState=TIMEOUT Reason=TimeLimit Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:15
   RunTime=00:01:16 TimeLimit=00:01:00 TimeMin=N/A
   SubmitTime=2026-11-25T08:21:22 EligibleTime=2026-11-25T08:21:22
   AccrueTime=2026-11-25T08:21:22
   StartTime=2026-11-25T08:21:29 EndTime=2026-11-25T08:22:45 Deadline=N/A
   SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-25T08:21:29 Scheduler=Main
   Partition=main AllocNode:Sid=localhost:13207
   ReqNodeList=(null) ExcNodeList=(null)
   NodeList=vm
   BatchHost=vm
   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*
   TRES=cpu=1,mem=100M,node=1,billing=1
   Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=*
   MinCPUsNode=1 MinMemoryNode=100M MinTmpDiskNode=0
   Features=(null) DelayBoot=00:00:00
   OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null)
   Command=/tmp/slurmexp/jobs/long.sh
   WorkDir=/tmp/slurmexp/jobs
   StdErr=/tmp/slurmexp/jobs/t.out
   StdIn=/dev/null
   StdOut=/tmp/slurmexp/jobs/t.out
   Power=
   

`;

test("sbatch --parsable answers the job id, with the cluster's name on a federation", () => {
  assert.equal(parseSbatchJobId("6\n"), 6);
  assert.equal(parseSbatchJobId("1234;cluster2\n"), 1234);
  assert.equal(parseSbatchJobId("sbatch: error: Batch job submission failed: Memory required by task is not available\n"), undefined);
});

test("squeue rows: queued, running and (with -t all) ended jobs; names may hold the separator", () => {
  const rows = parseSqueue(
    "3|oom|PENDING|Resources\n4|cancel|PENDING|Priority\n5|timeout|RUNNING|None\n1|reimage-ok|COMPLETED|None\n2|fail|FAILED|NonZeroExitCode\n3|oom|OUT_OF_MEMORY|OutOfMemory\n",
  );
  assert.deepEqual(rows[0], { jobId: 3, name: "oom", state: "PENDING", reason: "Resources" });
  assert.deepEqual(rows.map((r) => r.state), ["PENDING", "PENDING", "RUNNING", "COMPLETED", "FAILED", "OUT_OF_MEMORY"]);
  assert.deepEqual(parseSqueue("6|reimage.a|b|RUNNING|None\n")[0], { jobId: 6, name: "reimage.a|b", state: "RUNNING", reason: "None" });
  assert.deepEqual(parseSqueue(""), []);
  assert.ok(isEndedState("OUT_OF_MEMORY") && !isEndedState("RUNNING") && !isEndedState("COMPLETING"));
});

test("scontrol show job: state, reason, exit code, run time and memory of an ended job", () => {
  const oom = parseScontrolJob(OUT_OF_MEMORY);
  assert.deepEqual(oom, {
    jobId: 3,
    name: "oom",
    state: "OUT_OF_MEMORY",
    reason: "OutOfMemory",
    exitCode: 0,
    exitSignal: 125,
    runSeconds: 0,
    memoryBytes: 200 * MiB,
    nodes: "vm",
  });
  const failed = parseScontrolJob(FAILED)!;
  assert.equal(failed.state, "FAILED");
  assert.equal(failed.exitCode, 3);
  // --mem not given: DefMemPerCPU=1024 times one CPU.
  assert.equal(failed.memoryBytes, 1024 * MiB);
  const timeout = parseScontrolJob(TIMEOUT)!;
  assert.deepEqual([timeout.state, timeout.reason, timeout.exitSignal, timeout.runSeconds], ["TIMEOUT", "TimeLimit", 15, 76]);
  assert.equal(parseScontrolJob(COMPLETED)!.runSeconds, 2);
  assert.equal(parseScontrolJob("slurm_load_jobs error: Invalid job id specified\n"), undefined);
  assert.ok(unknownJob("slurm_load_jobs error: Invalid job id specified\n"));
});

test("Slurm's ends in reimage's words", () => {
  assert.deepEqual(jobEnd(parseScontrolJob(COMPLETED)!, false), { exitCode: 0, signal: null, timedOut: false, cancelled: false, evidence: undefined });
  assert.deepEqual(jobEnd(parseScontrolJob(FAILED)!, false), { exitCode: 3, signal: null, timedOut: false, cancelled: false, evidence: undefined });

  const oom = jobEnd(parseScontrolJob(OUT_OF_MEMORY)!, false);
  assert.equal(oom.signal, "SIGKILL");
  assert.equal(oom.exitCode, null);
  assert.equal(
    oom.evidence,
    "Slurm job 3 on vm ended in state OUT_OF_MEMORY (reason OutOfMemory, ExitCode=0:125): killed by the out-of-memory handler of its cgroup at its memory limit of 200 MiB",
  );

  const timeout = jobEnd(parseScontrolJob(TIMEOUT)!, false);
  assert.deepEqual([timeout.timedOut, timeout.signal], [true, "SIGTERM"]);

  assert.deepEqual(jobEnd(parseScontrolJob(CANCELLED)!, true), { exitCode: null, signal: "SIGTERM", timedOut: false, cancelled: true, evidence: undefined });
  const byOperator = jobEnd(parseScontrolJob(CANCELLED)!, false);
  assert.equal(byOperator.cancelled, false);
  assert.match(byOperator.evidence ?? "", /CANCELLED .*not by reimage/);

  // A node failure has no exit status; it must never read as success.
  const nodeFail = jobEnd({ ...parseScontrolJob(COMPLETED)!, state: "NODE_FAIL", reason: "NodeDown" }, false);
  assert.deepEqual([nodeFail.exitCode, nodeFail.signal], [null, null]);
  assert.match(nodeFail.evidence ?? "", /NODE_FAIL/);
  const signalled = jobEnd({ ...parseScontrolJob(FAILED)!, exitCode: 0, exitSignal: 11 }, false);
  assert.deepEqual([signalled.exitCode, signalled.signal], [null, "SIGSEGV"]);
});

test("sacct, where the cluster keeps accounting; and its answer where it does not", () => {
  // The documented -P layout for SACCT_FIELDS (JobID,JobName,State,ExitCode,Elapsed,ReqMem,NodeList).
  const [record] = parseSacct("7|reimage.x.imaging|CANCELLED by 0|0:15|00:00:31|300M|vm\n");
  assert.deepEqual(record, {
    jobId: 7,
    name: "reimage.x.imaging",
    state: "CANCELLED",
    reason: "None",
    exitCode: 0,
    exitSignal: 15,
    runSeconds: 31,
    memoryBytes: 300 * MiB,
    nodes: "vm",
  });
  assert.ok(accountingDisabled("Slurm accounting storage is disabled\n"));
});

test("sstat's MaxRSS over the job's steps", () => {
  assert.equal(parseSstatMaxRss("6.batch|58180K\n"), 58180 * 1024);
  assert.equal(parseSstatMaxRss("6.batch|400K\n6.0|1.50G\n"), 1.5 * 2 ** 30);
  assert.equal(parseSstatMaxRss(""), undefined);
});

test("Slurm's units: binary memory, [D-]HH:MM:SS times, code:signal exit codes", () => {
  assert.equal(parseSlurmMemory("200M"), 200 * MiB);
  assert.equal(parseSlurmMemory("1G"), 1024 * MiB);
  assert.equal(parseSlurmMemory("300"), 300 * MiB);
  assert.equal(parseSlurmMemory("lots"), undefined);
  assert.equal(parseSlurmDuration("00:01:16"), 76);
  assert.equal(parseSlurmDuration("1-02:03:04"), 93784);
  assert.equal(parseSlurmDuration("05:30"), 330);
  assert.equal(parseSlurmDuration("UNLIMITED"), undefined);
  assert.deepEqual(parseExitCode("0:125"), { code: 0, signal: 125 });
  assert.equal(signalName(9), "SIGKILL");
  assert.equal(signalName(0), undefined);
});
