#!/usr/bin/python3
"""deck_set.py: copy a twinfe deck with `path=value` overrides (a stand-in for `twinfe --set`).

  deck_set.py BASE OUT [--output-dir DIR] [PATH=VALUE ...]
      write OUT: BASE with every PATH set to VALUE. PATH is a deck path as in ensemble
      targets: keys separated by '.', list items by [i] (0-based), e.g.
      thermal.boundaries[1].value or materials.steel.conductivity. The path must exist in
      BASE (a typo is an error, with the nearest key); prefix it with '+' to add a new key to
      an existing map (+materials.steel.density=7850). VALUE is YAML: 5e4, [0, 0, -1e5],
      {ramp: {from: 0, to: 2e4, start: 0, end: 60}}.
      Relative paths in the deck (mesh.file, sensors.layout, assimilation.snapshots) are made
      absolute (relative to BASE's folder) so that OUT works from any folder.
      --output-dir DIR sets output.directory to DIR (made absolute).

  deck_set.py --table TABLE.csv --row I BASE OUTROOT
      scenario I (0-based data row) of a scenario table: writes OUTROOT/NAME/deck.yaml with
      that row's overrides and output.directory = OUTROOT/NAME; prints the deck's path.
  deck_set.py --check-table TABLE.csv BASE
      check every row of the table against BASE (names, paths); print "NAME" lines.

Scenario table (CSV): a header row; the first column is the scenario name (header `name` or
`scenario`; names are letters, digits, '.', '_', '-', unique), every other column header is a
deck path, each cell its value for that scenario (an empty cell keeps the base value).

The deck goes through a YAML round trip that keeps every scalar as the text it was written
(no YAML 1.1 surprises: `on:` stays a key, 200e9 stays a number); comments are not kept.
Needs PyYAML (Debian: python3-yaml). Exit status: 0 ok, 1 user error (message on stderr).
"""
import csv
import difflib
import os
import re
import sys

try:
    import yaml
except ImportError:
    sys.stderr.write("deck_set.py: error: PyYAML is missing: apt-get install python3-yaml "
                     "(Debian's /usr/bin/python3 is used)\n")
    sys.exit(1)


class DeckError(Exception):
    pass


class _Dumper(yaml.SafeDumper):
    """Emits every string plain when YAML allows it: the loaded deck has only strings."""


_Dumper.yaml_implicit_resolvers = {}

PATH_KEYS = ("mesh.file", "sensors.layout", "assimilation.snapshots")
NAME_RE = re.compile(r"^[A-Za-z0-9._-]+$")
TOKEN_RE = re.compile(r"([^.\[\]]+)|\[(\d+)\]|(\.)")


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=yaml.BaseLoader)
    except OSError as e:
        raise DeckError(f"cannot read deck {path}: {e.strerror}")
    except yaml.YAMLError as e:
        raise DeckError(f"{path}: not valid YAML: {e}")
    if not isinstance(doc, dict):
        raise DeckError(f"{path}: a deck is a YAML map")
    return doc


def parse_path(path):
    """'a.b[1].c' -> ['a', 'b', 1, 'c']"""
    if not path or path.startswith(".") or path.endswith("."):
        raise DeckError(f"'{path}' is not a deck path (expected e.g. materials.steel.E or thermal.boundaries[0].value)")
    out, pos, last_dot = [], 0, True
    for m in TOKEN_RE.finditer(path):
        if m.start() != pos:
            break
        pos = m.end()
        if m.group(3):
            if last_dot:
                raise DeckError(f"'{path}' is not a deck path (empty key)")
            last_dot = True
            continue
        if m.group(1) is not None:
            if not last_dot:
                raise DeckError(f"'{path}' is not a deck path")
            out.append(m.group(1).strip())
        else:
            out.append(int(m.group(2)))
        last_dot = False
    if pos != len(path) or last_dot:
        raise DeckError(f"'{path}' is not a deck path (expected e.g. materials.steel.E or thermal.boundaries[0].value)")
    return out


def show(tokens):
    s = ""
    for t in tokens:
        s += f"[{t}]" if isinstance(t, int) else (("." if s else "") + t)
    return s


def set_path(doc, path, value):
    create = path.startswith("+")
    tokens = parse_path(path[1:] if create else path)
    node = doc
    for i, t in enumerate(tokens):
        last = i == len(tokens) - 1
        where = show(tokens[:i]) or "the deck"
        if isinstance(t, int):
            if not isinstance(node, list):
                raise DeckError(f"'{path}': {where} is not a list")
            if t >= len(node):
                raise DeckError(f"'{path}': {where} has {len(node)} items")
            if last:
                node[t] = value
            node = node[t]
        else:
            if not isinstance(node, dict):
                raise DeckError(f"'{path}': {where} is not a map")
            if t not in node:
                if last and create:
                    node[t] = value
                    return
                near = difflib.get_close_matches(t, list(node.keys()), n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                extra = "" if create or not last else "; prefix the path with '+' to add a new key"
                raise DeckError(f"'{path}': {where} has no key '{t}'{hint}{extra}")
            if last:
                node[t] = value
            node = node[t]


def get_path(doc, tokens):
    node = doc
    for t in tokens:
        if isinstance(t, int):
            if not isinstance(node, list) or t >= len(node):
                return None
        elif not isinstance(node, dict) or t not in node:
            return None
        node = node[t]
    return node


def parse_value(text):
    text = text.strip()
    if text == "":
        raise DeckError("empty value")
    try:
        return yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as e:
        raise DeckError(f"value '{text}' is not valid YAML: {e}")


def absolutize(doc, base_dir):
    for key in PATH_KEYS:
        tokens = parse_path(key)
        v = get_path(doc, tokens)
        if isinstance(v, str) and v and not os.path.isabs(v):
            set_path(doc, key, os.path.normpath(os.path.join(base_dir, v)))


def make_deck(base, out, overrides, output_dir=None, origin=""):
    doc = load(base)
    for path, value in overrides:
        set_path(doc, path, parse_value(value))
    absolutize(doc, os.path.dirname(os.path.abspath(base)))
    if output_dir is not None:
        doc.setdefault("output", {})
        if not isinstance(doc["output"], dict):
            raise DeckError(f"{base}: output is not a map")
        doc["output"]["directory"] = os.path.abspath(output_dir)
    if out is None:
        return doc
    text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=None, width=100,
                     allow_unicode=True)
    head = f"# generated by scripts/deck_set.py from {os.path.abspath(base)}{origin}\n"
    head += "".join(f"#   {p} = {v}\n" for p, v in overrides)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(head + text)
    os.replace(tmp, out)
    return doc


def read_table(path):
    """-> (paths, [(name, [(path, value), ...]), ...])"""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)
                    and not r[0].lstrip().startswith("#")]
    except OSError as e:
        raise DeckError(f"cannot read scenario table {path}: {e.strerror}")
    if len(rows) < 2:
        raise DeckError(f"{path}: needs a header row and at least one scenario row")
    head = [h.strip() for h in rows[0]]
    if head[0].lower() not in ("name", "scenario"):
        raise DeckError(f"{path}: the first column must be 'name' (the scenario name), not '{head[0]}'")
    paths = head[1:]
    for p in paths:
        parse_path(p[1:] if p.startswith("+") else p)
    if len(set(paths)) != len(paths):
        raise DeckError(f"{path}: a deck path appears twice in the header")
    scen, seen = [], set()
    for i, r in enumerate(rows[1:], start=2):
        if len(r) > len(head):
            raise DeckError(f"{path}: row {i} has {len(r)} cells, the header {len(head)}")
        r = [c.strip() for c in r] + [""] * (len(head) - len(r))
        name = r[0]
        if not NAME_RE.match(name):
            raise DeckError(f"{path}: row {i}: scenario name '{name}' must be letters, digits, '.', '_' or '-'")
        if name in seen:
            raise DeckError(f"{path}: row {i}: scenario name '{name}' used twice")
        seen.add(name)
        scen.append((name, [(p, v) for p, v in zip(paths, r[1:]) if v != ""]))
    return paths, scen


def main(argv):
    try:
        if argv and argv[0] == "--check-table":
            if len(argv) != 3:
                raise DeckError("usage: deck_set.py --check-table TABLE.csv BASE")
            _, scen = read_table(argv[1])
            for i, (name, ov) in enumerate(scen):
                try:
                    make_deck(argv[2], None, ov)
                except DeckError as e:
                    raise DeckError(f"{argv[1]}: scenario '{name}' (row {i}): {e}")
                print(name)
            return 0
        if argv and argv[0] == "--table":
            if len(argv) != 6 or argv[2] != "--row":
                raise DeckError("usage: deck_set.py --table TABLE.csv --row I BASE OUTROOT")
            _, scen = read_table(argv[1])
            i = int(argv[3])
            if not 0 <= i < len(scen):
                raise DeckError(f"{argv[1]}: row {i} out of range (the table has {len(scen)} scenarios)")
            name, ov = scen[i]
            d = os.path.join(argv[5], name)
            out = os.path.join(d, "deck.yaml")
            try:
                make_deck(argv[4], out, ov, output_dir=d,
                          origin=f", scenario '{name}' of {os.path.abspath(argv[1])}")
            except DeckError as e:
                raise DeckError(f"{argv[1]}: scenario '{name}': {e}")
            print(out)
            return 0
        args, outdir, over = list(argv), None, []
        if "--output-dir" in args:
            k = args.index("--output-dir")
            if k + 1 >= len(args):
                raise DeckError("--output-dir needs a folder")
            outdir = args[k + 1]
            del args[k:k + 2]
        if len(args) < 2 or args[0].startswith("-"):
            raise DeckError("usage: deck_set.py BASE OUT [--output-dir DIR] [PATH=VALUE ...]")
        for a in args[2:]:
            if "=" not in a:
                raise DeckError(f"override '{a}' is not PATH=VALUE")
            p, v = a.split("=", 1)
            over.append((p.strip(), v))
        make_deck(args[0], args[1], over, output_dir=outdir)
        return 0
    except DeckError as e:
        sys.stderr.write(f"deck_set.py: error: {e}\n")
        return 1
    except ValueError as e:
        sys.stderr.write(f"deck_set.py: error: {e}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
