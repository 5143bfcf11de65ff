#!/bin/sh
# run.sh: bad-input decks. Every tests/decks/*.yaml starts with a line
#   # expect: <part of the error message, with LINE:COL>
# and must make `twinfe check` fail cleanly: exit status nonzero but below 128 (no signal),
# no "Caught signal" from PETSc, and the expected text on stderr.
# Optional lines 2-6: "# command: run" (default: check) and "# ranks: N" (default 1; N > 1 runs
# under mpiexec, which also catches a rank left waiting by an error on another: timeout 120 s).
# Usage (from anywhere): tests/decks/run.sh      TWINFE=path/to/twinfe overrides the binary.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
twinfe=${TWINFE:-$root/bin/twinfe}
cd "$root" || exit 1
if [ ! -x "$twinfe" ]; then
  echo "bad-input decks: $twinfe not found (make bin/twinfe first)" >&2
  exit 1
fi
err=$(mktemp)
trap 'rm -f "$err"' EXIT
n=0
failed=0
for deck in tests/decks/*.yaml; do
  n=$((n + 1))
  expect=$(sed -n '1s/^# expect: //p' "$deck")
  if [ -z "$expect" ]; then
    echo "FAIL $deck: first line is not '# expect: ...'"
    failed=$((failed + 1))
    continue
  fi
  # optional header lines: "# command: run" (default check), "# ranks: N" (default 1)
  cmd=$(sed -n '1,6s/^# command: //p' "$deck"); cmd=${cmd:-check}
  ranks=$(sed -n '1,6s/^# ranks: //p' "$deck"); ranks=${ranks:-1}
  if [ "$ranks" -gt 1 ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 \
      mpiexec --oversubscribe -n "$ranks" "$twinfe" $cmd "$deck" >/dev/null 2>"$err" </dev/null
  else
    timeout 120 "$twinfe" $cmd "$deck" >/dev/null 2>"$err" </dev/null
  fi
  status=$?
  why=""
  if [ $status -eq 0 ]; then why="exit status 0 (deck accepted)"
  elif [ $status -eq 124 ]; then why="timed out after 120 s (hang)"
  elif [ $status -ge 128 ]; then why="exit status $status (killed by a signal)"
  elif grep -q "Caught signal" "$err"; then why="PETSc caught a signal"
  elif ! grep -qF -- "$expect" "$err"; then why="stderr lacks the expected message"
  fi
  if [ -z "$why" ]; then
    echo "ok   $deck"
  else
    failed=$((failed + 1))
    echo "FAIL $deck: $why"
    echo "     expected: $expect"
    sed 's/^/     stderr:   /' "$err" | head -5
  fi
done
echo "bad-input decks: $((n - failed))/$n passed"
[ $failed -eq 0 ]
