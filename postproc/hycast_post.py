"""What the postproc/ scripts share: one-line errors, opening NetCDF and CSV files with clear messages, dates in
titles, calendars, and writing a PNG atomically (a temporary name in the target directory, renamed when complete)."""
import csv
import math
import os
import signal
import sys
import tempfile


class InputError(Exception):
    """Bad input: the message names the file and what is wrong; main() prints it and exits with status 1."""


def run(main):
    """Run main(); an InputError becomes one line 'SCRIPT: error: MESSAGE' on stderr and exit status 1."""
    prog = os.path.basename(sys.argv[0])

    def terminated(signum, frame):
        raise SystemExit(128 + signum)  # unwinds through save_png, which removes its temporary file

    signal.signal(signal.SIGTERM, terminated)
    try:
        main()
    except InputError as e:
        sys.stderr.write(f"{prog}: error: {e}\n")
        sys.exit(1)
    except (OSError, RuntimeError) as e:  # netCDF4 reading damaged data after a successful open
        sys.stderr.write(f"{prog}: error: reading the input failed: {clean_error(e)}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.stderr.write(f"{prog}: interrupted\n")
        sys.exit(130)


def make_parser(doc, example, output, dpi):
    """An argument parser with the script's description, an example, and the options every script has: -o, --dpi."""
    import argparse
    ap = argparse.ArgumentParser(description=doc, epilog="example: " + example,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", required=True, metavar=output, help="output PNG (required)")
    ap.add_argument("--dpi", type=int, default=dpi, help=f"resolution of the PNG in dots per inch (default: {dpi})")
    return ap


def clean_error(e):
    """The library's message without errno prefixes and byte-string file names."""
    import re
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return re.sub(r"^\[Errno -?\d+\] |: b'[^']*'$", "", msg)


def import_plotting(need_xarray=False):
    """matplotlib with the Agg backend (no display), and xarray when asked; a missing module is an InputError that
    says which Debian package provides it."""
    missing = []
    try:
        import matplotlib
        matplotlib.use("Agg")
    except ImportError:
        missing.append("python3-matplotlib")
    if need_xarray:
        for mod, pkg in (("xarray", "python3-xarray"), ("netCDF4", "python3-netcdf4")):
            try:
                __import__(mod)
            except ImportError:
                missing.append(pkg)
    if missing:
        raise InputError(f"{sys.executable} lacks {', '.join(missing)} (make deps installs them; or set PYTHON to an "
                         "interpreter that has them)")


def check_output(path):
    """Refuse an output name we could not write, before any work is done."""
    if not path.lower().endswith(".png"):
        raise InputError(f"{path}: the output must be a .png file")
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise InputError(f"{path}: cannot write the output: directory {d} does not exist")
    if not os.access(d, os.W_OK):
        raise InputError(f"{path}: cannot write the output: directory {d} is not writable")


def check_inputs(*paths):
    """Missing input files, reported before the (slow) imports of xarray and matplotlib."""
    for p in paths:
        if p is not None and not os.path.exists(p):
            raise InputError(f"{p}: no such file")


def save_png(fig, path, dpi):
    """Write the figure to a temporary file next to PATH and rename it over PATH once complete: an interrupted or
    failed write leaves neither a partial PNG nor a damaged earlier one."""
    import matplotlib.pyplot as plt
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png", dpi=dpi)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise InputError(f"{path}: cannot write the output: {e.strerror or e}")
        raise
    finally:
        plt.close(fig)
    print(f"wrote {path}")


def open_netcdf(path, **kw):
    """xarray.open_dataset with cftime dates (any calendar) and lead times kept as numbers with their units."""
    import xarray
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a NetCDF file")
    try:
        with open(path, "rb") as f:
            magic = f.read(8)
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})")
    if not (magic[:3] == b"CDF" or magic == b"\x89HDF\r\n\x1a\n"):
        raise InputError(f"{path}: not a NetCDF file (neither the classic nor the NetCDF-4/HDF5 signature)")
    try:
        return xarray.open_dataset(path, use_cftime=True, decode_timedelta=False, **kw)
    except Exception as e:  # netCDF4 and xarray raise many types for unreadable files
        raise InputError(f"{path}: cannot be read as NetCDF ({clean_error(e)})")


def get_variable(ds, path, name):
    if name not in ds.data_vars:
        have = ", ".join(v for v in ds.data_vars if ds[v].ndim >= 2) or "none"
        raise InputError(f"{path}: no variable '{name}' (fields in the file: {have})")
    return ds[name]


CALENDAR_ALIASES = {"gregorian": "standard", "noleap": "365_day", "all_leap": "366_day", "": "standard"}


def calendar_of(ds, path, name="time"):
    """The CF calendar of the time coordinate (CF default: standard), with aliases folded together."""
    if name not in ds.variables:
        raise InputError(f"{path}: no '{name}' coordinate")
    cal = ds[name].encoding.get("calendar", ds[name].attrs.get("calendar", "standard"))
    cal = str(cal).lower()
    return CALENDAR_ALIASES.get(cal, cal)


def increasing_times(ds, path, calendar):
    """The time coordinate as cftime dates and as seconds since 1970 (in the file's calendar); refuses a time axis
    that does not increase (a damaged or truncated file reads as zeros or fill values)."""
    import cftime
    import numpy as np
    dates = list(np.atleast_1d(ds["time"].values))
    if not dates or not hasattr(dates[0], "year"):
        units = ds["time"].attrs.get("units", ds["time"].encoding.get("units", "none"))
        raise InputError(f"{path}: the time coordinate (units '{units}') does not decode to dates: CF time units look "
                         "like 'days since 1800-01-01'")
    secs = np.asarray(cftime.date2num(dates, "seconds since 1970-01-01 00:00:00", calendar=calendar), dtype=float)
    if len(secs) > 1 and not np.all(np.diff(secs) > 0):
        k = int(np.argmin(np.diff(secs) > 0)) + 1
        raise InputError(f"{path}: the time coordinate does not increase at index {k} (a damaged or truncated file?)")
    return dates, secs


def same_calendar(cal_a, cal_b, dates):
    """True if the two calendars give the same dates: equal names, or standard and proleptic_gregorian with every
    date after the Gregorian reform (1582-10-15), where the two agree."""
    if cal_a == cal_b:
        return True
    if {cal_a, cal_b} == {"standard", "proleptic_gregorian"}:
        return all((t.year, t.month, t.day) >= (1582, 10, 15) for t in dates)
    return False


def format_date(t, with_time):
    s = f"{t.year:04d}-{t.month:02d}-{t.day:02d}"
    if with_time:
        s += f" {t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        if t.microsecond:
            s += f".{t.microsecond // 1000:03d}"
    return s


def needs_time_of_day(dates):
    """Dates at midnight print as YYYY-MM-DD; sub-daily series (synthetic data) print the time of day too."""
    return any(t.hour or t.minute or t.second or t.microsecond for t in dates)


def units_of(var):
    u = str(var.attrs.get("units", "")).strip()
    return "" if u in ("", "1") else u


def with_units(label, units):
    return f"{label} [{units}]" if units else label


def read_csv(path, required, numeric, kind):
    """Rows of a CSV file as dicts; REQUIRED columns must be in the header and NUMERIC ones parse as floats (nan
    allowed).  Errors name the file, the line and the column; KIND says what the file should have been."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    try:
        with open(path, newline="") as f:
            text = f.read()
        rows = list(csv.reader(text.splitlines()))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text (CSV) file")
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})")
    if not rows or not rows[0]:
        raise InputError(f"{path}: empty file, expected a header line with the columns {','.join(required)}")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}: not {kind} (its header is "
                         f"'{','.join(header)}')")
    if len(rows) > 2 and not text.endswith("\n") and len(rows[-1]) != len(header):
        # a log still being written (training in progress): its last line is not complete yet
        sys.stderr.write(f"note: {path}: ignoring the incomplete last line {len(rows)}\n")
        rows = rows[:-1]
    out = []
    for lineno, row in enumerate(rows[1:], 2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}: line {lineno} has {len(row)} values, the header has {len(header)} columns")
        rec = {"_line": lineno}
        for key, val in zip(header, row):
            val = val.strip()
            if key in numeric or key not in required:
                try:
                    rec[key] = float(val)
                except ValueError:
                    if key in numeric:
                        raise InputError(f"{path}: line {lineno}: column {key}: '{val}' is not a number")
                    rec[key] = val
            else:
                rec[key] = val
        out.append(rec)
    if not out:
        raise InputError(f"{path}: no data lines after the header")
    return header, out


def finite(values):
    return [v for v in values if isinstance(v, float) and math.isfinite(v)]
