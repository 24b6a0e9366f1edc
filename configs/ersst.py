#!/usr/bin/python3
"""make experiment-ersst: monthly sea-surface temperature of the North Atlantic (NOAA ERSST v5, 2-degree grid;
$HYCAST_DATA/ersst/sst.mnmean.nc) with the hybrid model against the known physics alone.  The models run on the
Atlantic 90 W - 0, 0 - 66 N and are scored on the box 60-20 W, 20-56 N (configs/ersst.yaml).

 1-3. train 2010-01 .. 2018-12 three models from the same first guesses:
        advection-diffusion   advection-diffusion alone (K and a constant current learned)
        physics-only          the known physics: advection-diffusion + Newtonian restoring of every cell to its own
                              seasonal cycle (piecewise linear over 12 phases of the year, started from the training
                              part's monthly means and learned with the restoring rate; docs/seasonal.md)
        hybrid                the same physics + a learned map of the basin-mean anomaly (term meanmlp,
                              docs/meanmlp.md), started from the physics-only fit (-train_init) with the map at zero;
                              the learned part alone is trained (-train_params meanmlp)
 4.   forecast 6 months from 2019-01 (a CF file for the maps)
 5.   hindcasts from every month 2019-01 .. 2020-07 (the file ends in 2020-08), leads 1-6 months, against persistence
      and the 2010-2018 monthly climatology: RMSE per lead
 6-7. plots: RMSE against lead, maps of the 2019-01 forecast
 8.   statistical anomaly models fitted on the same 2010-2018 data (postproc/anomaly_baselines.py): how much a learned
      correction to damped persistence could add
Options: configs/ersst.yaml; output under out/ersst/ (or argv[1]). The data file may be given by ERSST=path."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline import ROOT, Pipeline, leads_of, markdown_table, skill  # noqa: E402

out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out", "ersst"))
if "ERSST" not in os.environ and "HYCAST_DATA" not in os.environ:
    sys.exit("experiment-ersst: HYCAST_DATA is not set (make sets it; or give the file with ERSST=path)")
data = os.environ.get("ERSST", os.path.join(os.environ.get("HYCAST_DATA", ""), "ersst", "sst.mnmean.nc"))
if not os.path.exists(data):
    sys.exit(f"experiment-ersst: {data}: no such file (give the ERSST v5 file sst.mnmean.nc with ERSST=path)")
cfg = os.path.join(ROOT, "configs", "ersst.yaml")
P = Pipeline("experiment-ersst", out, 8)
f = P.path
print(f"hycast experiment: ERSST North Atlantic, hybrid against physics-only on {P.ranks} MPI ranks; output in {out}",
      flush=True)
train = ["train", "-options_file", cfg, "-data_file", data, "-data_dates", "2010-01-01,2018-12-31"]
P.hycast("train advection-diffusion alone on 2010-2018", train + ["-model_terms", "advdiff", "-o", f("advdiff.nc"),
                                                                   "-train_log", f("advdiff-log.csv")], show=("trained",))
P.hycast("train physics-only (advection-diffusion + seasonal restoring) on 2010-2018",
         train + ["-model_terms", "advdiff,seasonal", "-o", f("physics.nc"), "-train_log", f("physics-log.csv")],
         show=("seasonal cycle", "trained"))
P.hycast("train the hybrid on 2010-2018, from the physics-only fit", train + ["-train_init", f("physics.nc"), "-train_params",
                                                                             "meanmlp", "-o", f("hybrid.nc"), "-train_log",
                                                                             f("hybrid-log.csv")],
         show=("-train_init", "trained"))
P.hycast("forecast 6 months from 2019-01", ["forecast", "-options_file", cfg, "-model", f("hybrid.nc"), "-data", data,
                                            "-forecast_date", "2019-01-01", "-forecast_steps", 6, "-o",
                                            f("forecast-2019-01.nc")], show=("wrote",))
P.hycast("hindcasts from every month 2019-01 .. 2020-07, leads 1-6",
         ["evaluate", "-options_file", cfg, "-truth", data, "-data_dates", "2010-01-01,2020-12-31", "-models",
          f"{f('hybrid.nc')},{f('physics.nc')},{f('advdiff.nc')}", "-evaluate_labels",
          "hybrid,physics-only,advection-diffusion", "-evaluate_dates",
          "2019-01-01,2020-07-01", "-evaluate_leads", 6, "-evaluate_csv", f("skill.csv")])
P.python("plot RMSE against lead", "postproc/plot_skill.py",
         ["--csv", f("skill.csv"), "--metric", "rmse", "--lead-label", "lead (months)", "-o", f("skill.png")])
P.python("plot maps of the 2019-01 forecast", "postproc/plot_maps.py",
         ["--forecast", f("forecast-2019-01.nc"), "--truth", data, "--var", "sst", "--leads", "1,3,6", "-o",
          f("maps-2019-01.png")])

baselines = P.python("statistical anomaly models on the same data", "postproc/anomaly_baselines.py",
                     ["--data", data, "--box", "299,341,19,57", "--basin", "270,360,0,66", "--train", "2010,2018", "--test", "2019-01,2020-07", "--leads",
                      6, "--csv", f("baselines.csv")])

tab = skill(f("skill.csv"))
leads = leads_of(tab)
names = ["hybrid", "physics-only", "advection-diffusion", "persistence", "climatology"]
rows = [[m] + [f"{tab[(m, 'sst', l)]['rmse']:.3f}" for l in leads] for m in names]
table = markdown_table(rows, ["RMSE (degC)"] + [f"lead {l}" for l in leads])
r = lambda m, l: tab[(m, "sst", l)]["rmse"]
verdict = []
for other in ("physics-only", "climatology", "persistence"):
    won = [l for l in leads if r("hybrid", l) < r(other, l)]
    lost = [l for l in leads if l not in won]
    verdict.append(f"hybrid better than {other} at {len(won)} of {len(leads)} leads" +
                   (f"; {other} better at lead(s) {', '.join(map(str, lost))}" if lost else ""))
with open(f("summary.md"), "w") as fh:
    fh.write(table + "\n\n" + "\n".join("- " + v for v in verdict) + "\n\n" + baselines)
print("\nRMSE of monthly SST hindcasts 2019-01 .. 2020-07 (area-weighted over the ocean cells of the box):\n" + table)
print("\n" + "\n".join(verdict))
print("\nStatistical " + baselines.strip())
print(f"\nfinished in {P.elapsed():.0f} s; files in {out}")
