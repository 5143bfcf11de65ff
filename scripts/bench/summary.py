#!/usr/bin/python3
"""Print the one summary table of make bench from the rows the bench parts wrote.

usage: summary.py ROWS.tsv

Every part of the bench (scripts/bench/run.sh, table.py, ensemble.sh, twin.sh, and the
scripts named in run.sh) appends tab-separated lines to $BENCH_ROWS:

    measurement <TAB> twinfe <TAB> comparator <TAB> comparator value <TAB> ratio <TAB> goal

with values as text including units ("0.057 s", "134x"); ratio is "comparator / twinfe" or
whatever the goal is stated in (e.g. "1.79x", "1.0 %"); goal is the issue's goal ("> 50x") or
"-". Both sides of every row are measured in the same run. Standard library only.
"""
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows = []
    try:
        with open(sys.argv[1], errors="replace") as f:
            for line in f:
                c = line.rstrip("\n").split("\t")
                if len(c) >= 6 and c[0]:
                    rows.append(c[:6])
    except OSError:
        pass
    hdr = ["measurement", "twinfe", "comparator", "comparator value", "ratio", "goal"]
    print()
    print("make bench: summary (every row measured in this run; ratio as stated by the goal)")
    if not rows:
        print("  (no rows: every part failed or was skipped)")
        return
    w = [max(len(hdr[i]), max(len(r[i]) for r in rows)) for i in range(6)]
    print("  " + "  ".join(h.ljust(w[i]) for i, h in enumerate(hdr)))
    print("  " + "  ".join("-" * w[i] for i in range(6)))
    for r in rows:
        print("  " + "  ".join(c.ljust(w[i]) for i, c in enumerate(r)))


if __name__ == "__main__":
    main()
