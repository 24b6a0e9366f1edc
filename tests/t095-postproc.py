#!/usr/bin/python3
"""postproc/ end to end: small inputs from bin/hycast (generate with a land box, a physics-only model trained with TAO
and with Adam, each with -train_log; a forecast and an ensemble forecast; evaluate with -evaluate_csv), then the three
plotting scripts.  Each PNG must have the PNG signature, plausible dimensions and more than a few colours; the RMSE
that plot_maps.py prints for each lead must equal hycast evaluate's for the same forecast file (so truth and forecast
were matched by date); bad input (missing file, CSV without the expected columns, mismatched calendars, a lead the
truth does not cover, a file that is not NetCDF) must give one clear message, a non-zero exit, no PNG, no temporary
file, and leave an earlier PNG of the same name untouched.  Prints SKIPPED if the interpreter lacks the modules."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
hycast = os.environ.get("HYCAST_BIN") or os.path.join(root, "bin", "hycast")  # tests/run.py gives the hycast under test
post = os.path.join(root, "postproc")
py = sys.executable

have = subprocess.run([py, "-c", "import xarray, netCDF4, matplotlib"], capture_output=True, text=True)
if have.returncode:
    print(f"SKIPPED: {py} lacks python3-xarray, python3-netcdf4 or python3-matplotlib (make deps installs them): "
          f"{have.stderr.strip().splitlines()[-1] if have.stderr.strip() else ''}")
    sys.exit(0)

os.makedirs(os.path.join(root, "build", "tests"), exist_ok=True)
tmp = tempfile.mkdtemp(prefix="postproc.", dir=os.path.join(root, "build", "tests"))
failed = 0


def check(what, ok, detail=""):
    global failed
    print(f"  {'ok  ' if ok else 'FAIL'} {what}" + (f"  ({detail})" if detail and not ok else ""))
    failed += not ok


def path(name):
    return os.path.join(tmp, name)


def hc(*args):
    p = subprocess.run([hycast, *args], capture_output=True, text=True, cwd=tmp)
    print("$ hycast " + " ".join(args))
    if p.returncode:
        print(p.stdout + p.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
        sys.exit(f"FAILED: hycast {args[0]} exited with {p.returncode}")
    return p.stdout


def script(name, *args):
    p = subprocess.run([py, os.path.join(post, name), *args], capture_output=True, text=True, cwd=tmp)
    return p.returncode, p.stdout, p.stderr


def png_info(file):
    """(width, height, distinct colours) of a PNG, or a string saying what is wrong."""
    if not os.path.exists(file):
        return "missing"
    with open(file, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return "no PNG signature"
    w, h = struct.unpack(">II", head[16:24])
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image
    import numpy
    img = matplotlib.image.imread(file)
    colours = len(numpy.unique((img[..., :3] * 255).astype(numpy.uint8).reshape(-1, 3), axis=0))
    return w, h, colours


def good_png(what, name, min_colours):
    info = png_info(path(name))
    ok = isinstance(info, tuple) and 500 <= info[0] <= 4000 and 400 <= info[1] <= 4000 and info[2] >= min_colours
    size = f" of {info[0]} x {info[1]} pixels, {info[2]} colours" if isinstance(info, tuple) else ""
    check(f"{what}: {name} is a PNG{size}", ok, info if not isinstance(info, tuple) else
          f"expected 500..4000 x 400..4000 pixels and at least {min_colours} colours")


nbad = 0


def bad(what, name, args, message):
    """A run that must fail with one line matching MESSAGE on stderr and leave no PNG and no temporary file; every
    other case starts with an earlier file of the output's name, which must come through untouched."""
    global nbad
    out, earlier = path("bad.png"), nbad % 2 == 0
    nbad += 1
    if earlier:
        with open(out, "wb") as f:
            f.write(b"earlier picture")
    code, so, se = script(name, *args, "-o", out)
    leftovers = [f for f in os.listdir(tmp) if f.startswith(".bad.png")]
    if earlier:
        with open(out, "rb") as f:
            kept = f.read() == b"earlier picture"
        os.unlink(out)
    else:
        kept = not os.path.exists(out)
    lines = se.strip().splitlines()
    ok = code != 0 and bool(re.search(message, se)) and len(lines) == 1 and kept and not leftovers
    check(f"{what}: exit {code}, {'earlier file kept' if earlier else 'no PNG'}: {lines[-1] if lines else ''}", ok,
          f"expected a non-zero exit, one line matching /{message}/, "
          f"{'the earlier file kept' if earlier else 'no PNG'}, no temporary file; stderr: {se.strip()[-400:]}; "
          f"temporary files: {leftovers}")


try:
    # Inputs: 2 environments, a land box, 30 intervals of 0.1 on a 16 x 16 periodic box.
    hc("generate", "-generate_envs", "2", "-generate_coarsen", "1", "-generate_steps", "30", "-grid_nx", "16",
       "-grid_ny", "16", "-grid_land_boxes", "-0.3,0.3,-0.2,0.4", "-o", "gen.nc")
    common = ["-data_file", "gen.nc", "-data_vars", "u,v", "-train_envs", "0", "-train_window", "3",
              "-physics_diffusivity", "2e-3", "-physics_velocity", "0.02,-0.01"]
    hc("train", *common, "-o", "tao.nc", "-train_optimizer", "tao", "-train_epochs", "5", "-train_log", "tao.csv")
    hc("train", *common, "-o", "adam.nc", "-train_epochs", "6", "-train_lr", "0.05", "-train_log", "adam.csv")
    hc("forecast", "-model", "tao.nc", "-data", "gen.nc", "-data_vars", "u,v", "-forecast_start", "20",
       "-forecast_steps", "8", "-o", "fc.nc")
    hc("forecast", "-model", "tao.nc", "-data", "gen.nc", "-data_vars", "u,v", "-forecast_start", "20",
       "-forecast_steps", "4", "-forecast_ensemble", "3", "-o", "ens.nc")
    hc("forecast", "-model", "tao.nc", "-data", "gen.nc", "-data_vars", "u,v", "-forecast_start", "27",
       "-forecast_steps", "6", "-o", "late.nc")
    hc("evaluate", "-truth", "gen.nc", "-data_vars", "u,v", "-models", "tao.nc,adam.nc", "-evaluate_labels",
       "tao,adam", "-evaluate_inits", "18,22", "-evaluate_leads", "6", "-evaluate_csv", "eval.csv")
    hc("evaluate", "-truth", "gen.nc", "-data_vars", "u,v", "-forecast", "fc.nc", "-evaluate_csv", "evalfc.csv")

    print("help:")
    for name, opts in (("plot_maps.py", ["--forecast", "--truth", "--var", "--env", "--member", "--leads", "-o"]),
                       ("plot_skill.py", ["--csv", "--field", "--metric", "-o"]),
                       ("plot_training.py", ["--log", "--label", "--truth", "--env", "-o"])):
        code, so, se = script(name, "-h")
        check(f"{name} -h lists {' '.join(opts)} and defaults", code == 0 and all(o in so for o in opts)
              and "default" in so, se.strip())

    print("plot_maps.py:")
    code, so, se = script("plot_maps.py", "--forecast", "fc.nc", "--truth", "gen.nc", "--env", "0", "--var", "u",
                          "--leads", "1,4,8", "-o", "maps.png")
    check("forecast against the truth at leads 1, 4, 8 exits 0", code == 0, se.strip())
    good_png("maps", "maps.png", 100)
    ref = {}
    with open(path("evalfc.csv")) as f:
        for line in f.read().splitlines()[1:]:
            m, field, lead, rmse = line.split(",")[:4]
            if m == "forecast" and field == "u":
                ref[int(lead)] = float(rmse)
    got = {int(k): float(v) for k, v in re.findall(r"^lead (\d+) valid .*?: RMSE (\S+)", so, re.M)}
    worst = max((abs(got[k] / ref[k] - 1) for k in got if k in ref), default=float("inf"))
    check(f"RMSE printed per lead = hycast evaluate's RMSE (leads {sorted(got)}, max rel. diff {worst:.1e})",
          sorted(got) == [1, 4, 8] and worst < 1e-8, so + se)
    code, so, se = script("plot_maps.py", "--forecast", "ens.nc", "--truth", "gen.nc", "--var", "v", "--dpi", "80",
                          "-o", "ens.png")
    check("ensemble mean, default leads, exits 0", code == 0 and "lead 4 valid" in so, se.strip())
    good_png("ensemble maps", "ens.png", 100)
    code, so, se = script("plot_maps.py", "--forecast", "ens.nc", "--truth", "gen.nc", "--var", "v", "--member", "2",
                          "--leads", "0,2", "--dpi", "80", "-o", "member.png")
    check("ensemble member 2 at leads 0, 2 exits 0", code == 0 and "lead 0 valid" in so, se.strip())
    good_png("member maps", "member.png", 100)

    print("plot_skill.py:")
    code, so, se = script("plot_skill.py", "--csv", "eval.csv", "-o", "skill.png")
    check("RMSE of every field exits 0", code == 0, se.strip())
    good_png("skill", "skill.png", 20)
    code, so, se = script("plot_skill.py", "--csv", "eval.csv", "--field", "u", "--metric", "acc", "-o", "acc.png")
    check("anomaly correlation of u (climatology undefined) exits 0", code == 0, se.strip())
    good_png("skill acc", "acc.png", 20)

    print("plot_training.py:")
    code, so, se = script("plot_training.py", "--log", "tao.csv", "--label", "TAO", "--log", "adam.csv", "--label",
                          "Adam", "--truth", "gen.nc", "--env", "0", "-o", "curves.png")
    check("two logs with the true values of environment 0 exits 0", code == 0, se.strip())
    good_png("training curves", "curves.png", 20)

    print("bad input:")
    bad("missing forecast file", "plot_maps.py", ["--forecast", "nonexistent.nc", "--truth", "gen.nc", "--var", "u"],
        r"^plot_maps\.py: error: nonexistent\.nc: no such file$")
    shutil.copy(path("gen.nc"), path("noleap.nc"))
    subprocess.run([py, "-c", "import netCDF4, sys; d = netCDF4.Dataset(sys.argv[1], 'a'); "
                    "d['time'].calendar = 'noleap'; d.close()", path("noleap.nc")], check=True)
    bad("mismatched calendars", "plot_maps.py", ["--forecast", "fc.nc", "--truth", "noleap.nc", "--var", "u"],
        r"the calendars differ: fc\.nc uses 'standard', noleap\.nc uses '365_day'")
    bad("lead beyond the truth", "plot_maps.py", ["--forecast", "late.nc", "--truth", "gen.nc", "--var", "u",
                                                  "--leads", "1,5"],
        r"gen\.nc: no truth at 2000-01-01 00:00:03\.200, the valid time of lead 5")
    bad("field not in the file", "plot_maps.py", ["--forecast", "fc.nc", "--truth", "gen.nc", "--var", "sst"],
        r"fc\.nc: no variable 'sst' \(fields in the file: u, v\)")
    bad("truth that is not NetCDF", "plot_maps.py", ["--forecast", "fc.nc", "--truth", "eval.csv", "--var", "u"],
        r"eval\.csv: not a NetCDF file")
    bad("skill CSV without the expected columns", "plot_skill.py", ["--csv", "tao.csv"],
        r"tao\.csv: missing column\(s\) model, field, lead, rmse, bias, acc, initial_times")
    bad("missing skill CSV", "plot_skill.py", ["--csv", "nonexistent.csv"], r"nonexistent\.csv: no such file")
    bad("training log without the expected columns", "plot_training.py", ["--log", "eval.csv"],
        r"eval\.csv: missing column\(s\) epoch, train_loss, val_mse, grad_norm, lambda, lr, seconds")
    bad("environment beyond the truth's", "plot_training.py", ["--log", "tao.csv", "--truth", "gen.nc", "--env", "2"],
        r"gen\.nc: --env 2, but attribute true_physics_diffusivity_u has 2 value\(s\)")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print("PASSED" if not failed else f"FAILED: {failed} check(s)")
sys.exit(1 if failed else 0)
