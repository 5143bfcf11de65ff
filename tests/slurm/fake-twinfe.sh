#!/bin/bash
# A stand-in for bin/twinfe in tests/slurm/run.sh, to test the requeue contract of
# slurm/twinfe-run.sbatch before twinfe has checkpoints: `fake-twinfe.sh run DECK` waits for
# SIGUSR1/SIGTERM (up to 120 s); on the first start (SLURM_RESTART_COUNT 0) a signal makes it
# "checkpoint" (write MARKDIR/checkpointed-by-SIG) and exit 3; after a requeue it writes
# MARKDIR/resumed and exits 0 at once. MARKDIR: $FAKE_TWINFE_DIR.
dir=${FAKE_TWINFE_DIR:?}
rank=${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-0}}
if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then
    echo "fake-twinfe: rank $rank resumed (restart ${SLURM_RESTART_COUNT}, args: $*)"
    echo "restart=${SLURM_RESTART_COUNT} args=$*" > "$dir/resumed.$rank"
    exit 0
fi
trap 'echo "fake-twinfe: rank $rank got SIGUSR1, checkpointing"; touch "$dir/checkpointed-by-USR1.$rank"; exit 3' USR1
trap 'echo "fake-twinfe: rank $rank got SIGTERM, checkpointing"; touch "$dir/checkpointed-by-TERM.$rank"; exit 3' TERM
echo "fake-twinfe: rank $rank running, waiting for a signal"
touch "$dir/started.$rank"
for ((i = 0; i < 1200; i++)); do sleep 0.1; done
exit 0
