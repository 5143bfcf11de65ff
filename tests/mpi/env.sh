# tests/mpi/env.sh: sourced by tests/mpi/{layout,solver,box_parallel}.sh after they set `root`
# (the tree) and, if they want another default, MPIEXEC or OMP_NUM_THREADS. Sets TWINFE and
# PYTHON defaults, the Open MPI environment for root and oversubscription, and `launcher`: the
# words of MPIEXEC ending in -n, so "${launcher[@]}" N PROGRAM runs N ranks.
MPIEXEC=${MPIEXEC:-"mpiexec --oversubscribe --bind-to none"}
TWINFE=${TWINFE:-$root/bin/twinfe}
PYTHON=${PYTHON:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
read -r -a launcher <<< "$MPIEXEC"
case ${launcher[${#launcher[@]}-1]} in -n|-np|-c) ;; *) launcher+=(-n) ;; esac
