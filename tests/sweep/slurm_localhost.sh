#!/bin/bash
# A private single-node Slurm on localhost for the Slurm backend test (recipe:
# docs/sweeps.md, after the project's ecosystem notes). Everything lives in DIR: its own
# slurm.conf (SLURM_CONF=DIR/slurm.conf), spool, logs and pid files, on ports other than Slurm's
# defaults so that a real Slurm on the machine is not disturbed. munged is shared: a running one
# is used, else one is started (and stopped again by `stop`).
#   slurm_localhost.sh start DIR   exit 0: up; exit 77: cannot run here (reason on stdout)
#   slurm_localhost.sh stop DIR
set -u
cmd=$1
dir=$2
export SLURM_CONF=$dir/slurm.conf

skip() { echo "SKIP: $*"; exit 77; }

if [ "$cmd" = stop ]; then
  scontrol shutdown >/dev/null 2>&1
  for f in "$dir/slurmctld.pid" "$dir/slurmd.pid"; do
    for _ in $(seq 50); do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done
  done
  if [ -f "$dir/started-munged" ] && [ -f /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)"; fi
  exit 0
fi

for b in sbatch squeue sinfo scontrol slurmctld slurmd munged munge unmunge runuser; do
  command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || skip "$b not installed (tools/setup.sh --slurm --no-build installs Slurm and munge)"
done
[ "$(id -u)" = 0 ] || skip "not root (slurmd must run as root here)"
mkdir -p "$dir/spool/ctld" "$dir/spool/d" || exit 1
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -f /etc/munge/munge.key ] || skip "no /etc/munge/munge.key"
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged >/dev/null 2>&1 || skip "munged does not start"
  touch "$dir/started-munged"
  for _ in $(seq 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null 2>&1 || skip "munge does not answer"
fi
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
cat > "$SLURM_CONF" <<CONF
ClusterName=gantrytest
SlurmctldHost=localhost
SlurmctldPort=6917
SlurmdPort=6918
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=gantry Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld >/dev/null 2>&1 || skip "slurmctld does not start (see $dir/slurmctld.log)"
/usr/sbin/slurmd -N localhost >/dev/null 2>&1 || skip "slurmd does not start (see $dir/slurmd.log)"
for _ in $(seq 100); do
  [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && exit 0
  sleep 0.2
done
skip "the node did not become idle within 20 s: $(sinfo -h -o %T 2>&1)"
