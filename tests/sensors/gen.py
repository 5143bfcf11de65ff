#!/usr/bin/python3
"""gen.py DIR: write one sensor file per defect (and some valid ones) into DIR, and the manifest
DIR/cases.tsv that tests/sensors/snapcheck reads: MODE<TAB>FILE<TAB>EXPECTED per line, EXPECTED
being the exact one-line message (a trailing * makes it a prefix: for HDF5's own words) or, for
an accepted file, the summary snapcheck prints (see snapcheck.c). The built-in layout of
snapcheck has the sensors tc1, tc2, tc3 (temperature, sigma 0.5, 0.5, 0.25), d1 (displacement,
sigma 1e-5) and s1 (strain, sigma 1e-6); snapshots are read with assimilation.start =
2026-11-26T08:00:00Z (mode snap) or without one (snap-nostart).
Needs h5py and numpy (Debian's /usr/bin/python3)."""
import os
import sys

import h5py
import numpy as np

D = os.path.abspath(sys.argv[1])
os.makedirs(D, exist_ok=True)
cases = []
KNOWN = "known: tc1, tc2, tc3, d1, s1"
LSIG = {"tc1": 0.5, "tc2": 0.5, "tc3": 0.25, "d1": 1e-5, "s1": 1e-6}
VSTR = h5py.string_dtype("utf-8")


def path(name):
    return os.path.join(D, name)


def case(mode, f, expected):
    cases.append((mode, f, expected.replace("{F}", f)))


def snapfile(name, time=3600.0, names=("tc1", "tc2"), values=(20.0, 21.0), sigma=None,
             attrs=None, extra=None, skip=()):
    """A snapshot; names/values/sigma None = absent; extra(f) edits the open file."""
    f_ = path(name)
    with h5py.File(f_, "w") as f:
        if time is not None and "time" not in skip:
            f.attrs["time"] = time
        for k, v in (attrs or {}).items():
            f.attrs[k] = v
        if names is not None and "names" not in skip:
            f.create_dataset("names", data=np.array(names, dtype=object), dtype=VSTR)
        if values is not None and "values" not in skip:
            f.create_dataset("values", data=np.asarray(values, dtype=np.float64))
        if sigma is not None:
            f.create_dataset("sigma", data=np.asarray(sigma, dtype=np.float64))
        if extra:
            extra(f)
    return f_


def ok_snap(t, names, values, sigma=None):
    s = "ok t=%g n=%d" % (t, len(names))
    for i, n in enumerate(names):
        s += " %s:%g:%g" % (n, values[i], sigma[i] if sigma is not None else LSIG[n])
    return s


# ---- snapshots: the file itself -------------------------------------------------------------
F = path("missing.h5")
case("snap", F, "{F}: cannot open (No such file or directory)")
F = path("not_hdf5.h5")
with open(F, "w") as fh:
    fh.write("time,tc1,tc2\n3600,20.0,21.0\n")
case("snap", F, "{F}: is not an HDF5 file (no HDF5 signature)")
F = path("empty_file.h5")
open(F, "w").close()
case("snap", F, "{F}: is empty (expected an HDF5 file)")
F = path("a_directory.h5")
os.makedirs(F, exist_ok=True)
case("snap", F, "{F}: is a directory (expected an HDF5 file)")
F = snapfile("truncated.h5", names=["tc1", "tc2", "tc3"], values=[1.0, 2.0, 3.0])
data = open(F, "rb").read()
open(F, "wb").write(data[: len(data) // 2])
case("snap", F, "{F}: is damaged or truncated, HDF5 cannot open it (HDF5: *")
F = snapfile("format_version_2.h5", attrs={"format_version": 2})
case("snap", F, "{F}: attribute format_version is 2 (this twinfe reads format 1 and files without format_version)")

# ---- time -----------------------------------------------------------------------------------
F = snapfile("no_time.h5", time=None)
case("snap", F, "{F}: has no attribute time or timestamp (expected time, seconds of model time, or timestamp, an ISO-8601 date-time)")
F = snapfile("time_and_timestamp.h5", attrs={"timestamp": "2026-11-26T09:00:00Z"})
case("snap", F, "{F}: has both attributes time and timestamp (expected one: time, seconds of model time, or timestamp, an ISO-8601 date-time)")
for tag, v in (("nan", np.nan), ("inf", np.inf), ("-inf", -np.inf)):
    F = snapfile("time_%s.h5" % tag.replace("-", "minus_"), time=v)
    case("snap", F, "{F}: attribute time is %s (expected a finite number of seconds of model time)" % tag)
F = snapfile("time_negative.h5", time=-1.0)
case("snap", F, "{F}: attribute time is -1 s, before the start of the model (expected time >= 0)")
F = snapfile("time_string.h5", time="3600")
case("snap", F, "{F}: attribute time holds strings (expected a number)")
F = snapfile("time_two_values.h5", time=np.array([1.0, 2.0]))
case("snap", F, "{F}: attribute time holds 2 values (expected one)")
F = snapfile("timestamp_malformed.h5", time=None, attrs={"timestamp": "2026-13-01T00:00:00Z"})
case("snap", F, '{F}: attribute timestamp "2026-13-01T00:00:00Z" is not an ISO-8601 date-time (expected e.g. 2026-11-26T08:00:00Z or 2026-11-26T09:00:00.5+01:00)')
F = snapfile("timestamp_text.h5", time=None, attrs={"timestamp": "tomorrow\nmorning"})
case("snap", F, '{F}: attribute timestamp "tomorrow?morning" is not an ISO-8601 date-time (expected e.g. 2026-11-26T08:00:00Z or 2026-11-26T09:00:00.5+01:00)')
F = snapfile("timestamp_number.h5", time=None, attrs={"timestamp": 1795680000.0})
case("snap", F, "{F}: attribute timestamp holds numbers (expected a string)")
F = snapfile("timestamp_no_start.h5", time=None, attrs={"timestamp": "2026-11-26T09:00:00Z"})
case("snap-nostart", F, "{F}: has a timestamp (2026-11-26T09:00:00Z) but the deck has no assimilation.start to map it to model time (expected assimilation.start in the deck, or the attribute time in the file)")
F = snapfile("timestamp_before_start.h5", time=None, attrs={"timestamp": "2026-11-26T07:59:00Z"})
case("snap", F, "{F}: timestamp 2026-11-26T07:59:00Z is 60 s before assimilation.start (expected a time at or after the start of the model)")
F = snapfile("timestamp_long.h5", time=None, attrs={"timestamp": np.bytes_(b"2" * 300)})
case("snap", F, "{F}: attribute timestamp is a fixed-length string of 300 bytes (expected at most 255)")

# ---- names ----------------------------------------------------------------------------------
F = snapfile("no_names.h5", names=None)
case("snap", F, "{F}: has no dataset /names (expected the sensor names, strings [n])")
F = snapfile("names_numbers.h5", names=None, extra=lambda f: f.create_dataset("names", data=np.array([1, 2])))
case("snap", F, "{F}: dataset /names holds numbers (expected strings)")
F = snapfile("names_2d.h5", names=None, values=[20.0, 21.0],
             extra=lambda f: f.create_dataset("names", data=np.array([["tc1", "tc2"]], dtype=object), dtype=VSTR))
case("snap", F, "{F}: dataset /names has shape [1][2] (expected [n], one sensor name per observation)")
F = snapfile("names_group.h5", names=None, extra=lambda f: f.create_group("names"))
case("snap", F, "{F}: /names is not a dataset that can be opened (HDF5: *")
F = snapfile("names_empty.h5", names=None, values=np.zeros(0),
             extra=lambda f: f.create_dataset("names", shape=(0,), dtype=VSTR))
case("snap", F, "{F}: has no observations (/names is empty)")
F = snapfile("names_huge.h5", names=None,
             extra=lambda f: f.create_dataset("names", shape=(10**12,), dtype=VSTR, chunks=(1024,)))
case("snap", F, "{F}: dataset /names has 1000000000000 entries but the sensor layout has 5 sensors (expected each sensor at most once)")
F = snapfile("names_too_many.h5", names=["tc1", "tc2", "tc3", "d1", "s1", "tc1"], values=np.ones(6))
case("snap", F, "{F}: dataset /names has 6 entries but the sensor layout has 5 sensors (expected each sensor at most once)")
F = snapfile("name_unknown.h5", names=["tc1", "tc2", "tc3", "d1", "tc9"], values=np.ones(5))
case("snap", F, '{F}: sensor "tc9" (entry 4 of /names) is not in the sensor layout (%s; did you mean "tc1"?)' % KNOWN)
F = snapfile("name_unknown_far.h5", names=["pressure", "tc2"])
case("snap", F, '{F}: sensor "pressure" (entry 0 of /names) is not in the sensor layout (%s)' % KNOWN)
F = snapfile("name_case.h5", names=["tc1", "D1"])
case("snap", F, '{F}: sensor "D1" (entry 1 of /names) is not in the sensor layout (%s; did you mean "d1"?)' % KNOWN)
F = snapfile("name_duplicate.h5", names=["tc1", "tc2", "tc1"], values=[1.0, 2.0, 3.0])
case("snap", F, '{F}: sensor "tc1" appears twice in /names (entries 0 and 2; expected each sensor at most once)')
F = snapfile("name_empty_string.h5", names=["tc1", ""])
case("snap", F, "{F}: entry 1 of /names is an empty string (expected a name)")
F = snapfile("name_too_long.h5", names=["x" * 100, "tc2"])
case("snap", F, '{F}: entry 0 of /names ("%s...") is 100 bytes long (expected at most 63)' % ("x" * 40))
F = snapfile("name_control.h5", names=["tc\n1", "tc2"])
case("snap", F, '{F}: entry 0 of /names ("tc?1") contains a control character (expected a printable name)')
F = snapfile("names_fixed_300.h5", names=None,
             extra=lambda f: f.create_dataset("names", data=np.array([b"tc1", b"tc2"], dtype="S300")))
case("snap", F, "{F}: dataset /names holds fixed-length strings of 300 bytes (expected at most 255)")

# ---- values ---------------------------------------------------------------------------------
F = snapfile("no_values.h5", values=None)
case("snap", F, "{F}: has no dataset /values (expected the observed values, float64 [2])")
F = snapfile("values_strings.h5", values=None,
             extra=lambda f: f.create_dataset("values", data=np.array(["20.0", "21.0"], dtype=object), dtype=VSTR))
case("snap", F, "{F}: dataset /values holds strings (expected numbers)")
F = snapfile("values_compound.h5", values=None,
             extra=lambda f: f.create_dataset("values", data=np.zeros(2, dtype=[("v", "f8"), ("s", "f8")])))
case("snap", F, "{F}: dataset /values holds compound values (expected numbers)")
F = snapfile("values_2d.h5", values=[[20.0], [21.0]])
case("snap", F, "{F}: dataset /values has shape [2][1] (expected [2], one value per entry of /names)")
F = snapfile("values_scalar.h5", values=20.0)
case("snap", F, "{F}: dataset /values has shape [] (a single value) (expected [2], one value per entry of /names)")
F = snapfile("values_length.h5", values=[20.0, 21.0, 22.0])
case("snap", F, "{F}: dataset /values has 3 entries but /names has 2")
F = snapfile("values_huge.h5", values=None,
             extra=lambda f: f.create_dataset("values", shape=(10**12,), dtype="f8", chunks=(4096,)))
case("snap", F, "{F}: dataset /values has 1000000000000 entries but /names has 2")
for tag, v in (("inf", np.inf), ("-inf", -np.inf)):
    F = snapfile("values_%s.h5" % tag.replace("-", "minus_"), values=[20.0, v])
    case("snap", F, '{F}: dataset /values entry 1 (sensor "tc2") is %s (expected a finite number; NaN marks a missing value)' % tag)

# ---- sigma ----------------------------------------------------------------------------------
for tag, v, txt in (("zero", 0.0, "0"), ("negative", -0.5, "-0.5"), ("nan", np.nan, "nan"), ("inf", np.inf, "inf")):
    F = snapfile("sigma_%s.h5" % tag, sigma=[0.5, v])
    case("snap", F, '{F}: dataset /sigma entry 1 (sensor "tc2") is %s (expected a finite standard deviation > 0)' % txt)
F = snapfile("sigma_length.h5", sigma=[0.5])
case("snap", F, "{F}: dataset /sigma has 1 entries but /names has 2")
F = snapfile("sigma_strings.h5", extra=lambda f: f.create_dataset("sigma", data=np.array(["a", "b"], dtype=object), dtype=VSTR))
case("snap", F, "{F}: dataset /sigma holds strings (expected numbers)")

# ---- valid snapshots ------------------------------------------------------------------------
F = snapfile("ok_basic.h5")
case("snap", F, ok_snap(3600, ["tc1", "tc2"], [20, 21]))
F = snapfile("ok_missing_value_sigma.h5", names=["s1", "tc3", "d1"], values=[1e-4, np.nan, -2.5e-4], sigma=[3e-6, 0.125, 2e-5])
case("snap", F, ok_snap(3600, ["s1", "tc3", "d1"], [1e-4, np.nan, -2.5e-4], [3e-6, 0.125, 2e-5]))
F = snapfile("ok_all_missing.h5", values=[np.nan, np.nan])
case("snap", F, ok_snap(3600, ["tc1", "tc2"], [np.nan, np.nan]))
F = snapfile("ok_fixed_names_float32.h5", names=None, values=None, time=np.float32(60.0),
             extra=lambda f: (f.create_dataset("names", data=np.array([b"tc3", b"tc1"], dtype="S8")),
                              f.create_dataset("values", data=np.array([19.5, 20.25], dtype=np.float32))))
case("snap", F, ok_snap(60, ["tc3", "tc1"], [19.5, 20.25]))
F = snapfile("ok_ascii_names_int_values.h5", names=None, values=None, time=np.int32(120),
             extra=lambda f: (f.create_dataset("names", data=np.array(["tc2"], dtype=object), dtype=h5py.string_dtype("ascii")),
                              f.create_dataset("values", data=np.array([21], dtype=np.int16))))
case("snap", F, ok_snap(120, ["tc2"], [21]))
F = snapfile("ok_version_1.h5", time=0.0, attrs={"format_version": 1})
case("snap", F, ok_snap(0, ["tc1", "tc2"], [20, 21]))
for tag, ts, t in (("z", "2026-11-26T08:00:00Z", 0), ("offset", "2026-11-26T09:30:00+01:00", 1800),
                   ("fraction", "2026-11-26T08:00:01.5Z", 1.5), ("no_zone", "2026-11-26T10:00:00", 7200),
                   ("negative_offset", "2026-11-26T03:00:00-05:00", 0)):
    F = snapfile("ok_timestamp_%s.h5" % tag, time=None, attrs={"timestamp": ts})
    case("snap", F, ok_snap(t, ["tc1", "tc2"], [20, 21]))
F = snapfile("ok_timestamp_fixed.h5", time=None, attrs={"timestamp": np.bytes_(b"2026-11-26T08:01:00Z")})
case("snap", F, ok_snap(60, ["tc1", "tc2"], [20, 21]))

# ---- layouts --------------------------------------------------------------------------------
LNAMES = ["tc1", "tc2", "tc3", "d1", "s1"]
LKINDS = ["temperature", "temperature", "temperature", "displacement", "strain"]
LPOS = [[0.1, 0.05, 0.0], [0.2, 0.05, 0.0], [0.3, 0.05, 0.0], [0.4, 0.1, 0.0], [0.2, 0.0, 0.005]]
LDIR = [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 3, 4], [1, 0, 0]]
LSIGMA = [0.5, 0.5, 0.25, 1e-5, 1e-6]


def layoutfile(name, names=LNAMES, kinds=LKINDS, pos=LPOS, dirs=LDIR, sigma=LSIGMA, group=True, extra=None, strs=VSTR):
    f_ = path(name)
    with h5py.File(f_, "w") as f:
        f.attrs["format_version"] = 1
        if group:
            g = f.create_group("sensors")
            if names is not None:
                g.create_dataset("name", data=np.array(names, dtype=object), dtype=strs)
            if kinds is not None:
                g.create_dataset("kind", data=np.array(kinds, dtype=object), dtype=strs)
            if pos is not None:
                g.create_dataset("position", data=np.asarray(pos, dtype=np.float64))
            if dirs is not None:
                g.create_dataset("direction", data=np.asarray(dirs, dtype=np.float64))
            if sigma is not None:
                g.create_dataset("sigma", data=np.asarray(sigma, dtype=np.float64))
            if extra:
                extra(g)
    return f_


def ok_layout(names, kinds, pos, dirs, sigma):
    s = "ok n=%d" % len(names)
    for i in range(len(names)):
        p = list(pos[i]) + [0.0] * (3 - len(pos[i]))
        d = np.asarray(dirs[i] if dirs is not None else [0, 0, 0], dtype=float)
        d = d / np.linalg.norm(d) if kinds[i] != "temperature" else np.zeros(3)
        s += " %s:%s:%g,%g,%g:%g,%g,%g:%g" % (names[i], kinds[i], p[0], p[1], p[2], d[0] + 0.0, d[1] + 0.0, d[2] + 0.0, sigma[i])
    return s


F = layoutfile("layout_ok.h5")
case("layout", F, ok_layout(LNAMES, LKINDS, LPOS, LDIR, LSIGMA))
F = layoutfile("layout_ok_2d_temperature.h5", names=["a", "b"], kinds=["temperature"] * 2, pos=[[0.1, 0.2], [0.3, 0.4]], dirs=None, sigma=[0.1, 0.2],
               strs=h5py.string_dtype("ascii"))
case("layout", F, ok_layout(["a", "b"], ["temperature"] * 2, [[0.1, 0.2], [0.3, 0.4]], None, [0.1, 0.2]))
F = layoutfile("layout_ok_fixed_strings.h5", names=None, kinds=None,
               extra=lambda g: (g.create_dataset("name", data=np.array([n.encode() for n in LNAMES], dtype="S4")),
                                g.create_dataset("kind", data=np.array([k.encode() for k in LKINDS], dtype="S12"))))
case("layout", F, ok_layout(LNAMES, LKINDS, LPOS, LDIR, LSIGMA))
F = path("layout_missing.h5")
case("layout", F, "{F}: cannot open (No such file or directory)")
F = path("not_hdf5.h5")
case("layout", F, "{F}: is not an HDF5 file (no HDF5 signature)")
F = layoutfile("layout_no_group.h5", group=False)
case("layout", F, "{F}: has no group /sensors (expected the datasets /sensors/name, kind, position, sigma and, for displacement and strain sensors, direction)")
F = layoutfile("layout_empty.h5", names=[], kinds=[], pos=np.zeros((0, 3)), dirs=np.zeros((0, 3)), sigma=[])
case("layout", F, "{F}: has no sensors (/sensors/name is empty)")
F = layoutfile("layout_huge.h5", names=None, extra=lambda g: g.create_dataset("name", shape=(10**12,), dtype=VSTR, chunks=(1024,)))
case("layout", F, "{F}: dataset /sensors/name claims 1000000000000 sensors (at most 1000000)")
F = layoutfile("layout_kind_unknown.h5", kinds=["temprature"] + LKINDS[1:])
case("layout", F, '{F}: sensor "tc1" (entry 0): kind "temprature" is unknown (expected temperature, displacement or strain; did you mean "temperature"?)')
F = layoutfile("layout_kind_count.h5", kinds=LKINDS[:4])
case("layout", F, "{F}: dataset /sensors/kind has 4 entries but /sensors/name has 5")
F = layoutfile("layout_kind_numbers.h5", kinds=None, extra=lambda g: g.create_dataset("kind", data=np.zeros(5)))
case("layout", F, "{F}: dataset /sensors/kind holds numbers (expected strings)")
F = layoutfile("layout_direction_zero.h5", dirs=LDIR[:3] + [[0, 0, 0], [1, 0, 0]])
case("layout", F, '{F}: sensor "d1" (entry 3): direction is zero (a displacement sensor needs a nonzero direction: the displacement component it measures)')
F = layoutfile("layout_direction_zero_strain.h5", dirs=LDIR[:4] + [[0, 0, 0]])
case("layout", F, '{F}: sensor "s1" (entry 4): direction is zero (a strain sensor needs a nonzero direction: the axis of the strain gauge)')
F = layoutfile("layout_direction_nan.h5", dirs=LDIR[:3] + [[np.nan, 1, 0], [1, 0, 0]])
case("layout", F, '{F}: sensor "d1" (entry 3): direction component 0 is nan (expected a finite vector)')
F = layoutfile("layout_direction_missing.h5", dirs=None)
case("layout", F, '{F}: has no dataset /sensors/direction but sensor "d1" (entry 3) is a displacement sensor (expected /sensors/direction [5][3]: required for displacement and strain sensors)')
F = layoutfile("layout_direction_shape.h5", dirs=[[1, 0, 0]] * 4)
case("layout", F, "{F}: dataset /sensors/direction has shape [4][3] (expected [5][3], or [5][2] for a 2D mesh)")
for tag, v, txt in (("zero", 0.0, "0"), ("negative", -1.0, "-1"), ("nan", np.nan, "nan")):
    F = layoutfile("layout_sigma_%s.h5" % tag, sigma=[v] + LSIGMA[1:])
    case("layout", F, '{F}: sensor "tc1" (entry 0): sigma is %s (expected a finite standard deviation > 0)' % txt)
F = layoutfile("layout_sigma_shape.h5", sigma=[LSIGMA])
case("layout", F, "{F}: dataset /sensors/sigma has shape [1][5] (expected [5], one value per sensor)")
F = layoutfile("layout_duplicate.h5", names=["tc1", "tc2", "tc1", "d1", "s1"])
case("layout", F, '{F}: sensor name "tc1" appears twice in /sensors/name (entries 0 and 2; names must be unique)')
F = layoutfile("layout_position_shape.h5", pos=[p + [0.0] for p in LPOS])
case("layout", F, "{F}: dataset /sensors/position has shape [5][4] (expected [5][3], or [5][2] for a 2D mesh)")
F = layoutfile("layout_position_1d.h5", pos=[0.1, 0.2, 0.3, 0.4, 0.5])
case("layout", F, "{F}: dataset /sensors/position has shape [5] (expected [5][3], or [5][2] for a 2D mesh)")
F = layoutfile("layout_position_inf.h5", pos=LPOS[:1] + [[np.inf, 0, 0]] + LPOS[2:])
case("layout", F, '{F}: sensor "tc2" (entry 1): position component 0 is inf (expected a finite coordinate in m)')
F = layoutfile("layout_no_sigma.h5", sigma=None)
case("layout", F, "{F}: has no dataset /sensors/sigma")
F = layoutfile("layout_no_position.h5", pos=None)
case("layout", F, "{F}: has no dataset /sensors/position")

# A layout whose global heap is damaged so that libhdf5 1.10.8 itself crashes (SIGSEGV in
# H5HG_read) reading /sensors/kind: found by tests/fuzz/fuzz_snapshot.c. The reader runs in a
# child process, so this is a message (its text depends on the HDF5 version: only the file name
# is checked), not a dead run.
F = path("heap_crash.h5")
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "heap_crash.h5"), "rb") as src:
    open(F, "wb").write(src.read())
case("layout", F, "{F}: *")
case("snap", F, "{F}: *")

with open(path("cases.tsv"), "w") as fh:
    for c in cases:
        assert "\t" not in "".join(c) and "\n" not in "".join(c)
        fh.write("\t".join(c) + "\n")
print("%d cases in %s" % (len(cases), path("cases.tsv")))
