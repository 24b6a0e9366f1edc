#!/usr/bin/python3
"""Forecast skill against lead time, from the CSV file of 'hycast evaluate -evaluate_csv' (columns model, field, lead,
rmse, bias, acc, initial_times): every model of the file on one plot, the baselines (persistence, climatology,
anomaly and damped persistence) in greys and broken lines; one panel per field unless --field picks one.  A model whose metric is undefined at every lead (the anomaly
correlation of climatology, which has no anomaly) is listed in the legend as undefined instead of drawn."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hycast_post import (InputError, make_parser, run, import_plotting, check_output, save_png, read_csv, finite,
                         with_units)

COLUMNS = ["model", "field", "lead", "rmse", "bias", "acc", "initial_times"]
BASELINES = ("persistence", "climatology", "anomaly persistence", "damped persistence")
BASELINE_STYLES = {"persistence": dict(color="0.35", linestyle="--", marker="s"),
                   "climatology": dict(color="0.6", linestyle="--", marker="^"),
                   "anomaly persistence": dict(color="0.45", linestyle=":", marker="v"),
                   "damped persistence": dict(color="0.2", linestyle="-.", marker="D")}
METRICS = {"rmse": "RMSE", "bias": "bias (forecast − truth)", "acc": "anomaly correlation"}


def parse_args(argv=None):
    ap = make_parser(__doc__, "plot_skill.py --csv out/evaluate.csv --metric rmse "
                     "--lead-label 'lead (months)' --units degC -o skill.png",
                     "skill.png", 120)
    ap.add_argument("--csv", required=True, metavar="eval.csv",
                    help="CSV file written by hycast evaluate -evaluate_csv (required)")
    ap.add_argument("--field", default=None, metavar="NAME", help="draw this field only (default: one panel per field)")
    ap.add_argument("--metric", default="rmse", choices=sorted(METRICS), help="statistic to draw (default: rmse)")
    ap.add_argument("--lead-label", default="lead (observation intervals)",
                    help="x-axis label; the CSV counts leads in observation intervals (default: %(default)s)")
    ap.add_argument("--units", default="", help="units of the field(s), shown on the y axis of rmse and bias "
                    "(the CSV does not record them; default: none)")
    return ap.parse_args(argv)


def main():
    args = parse_args()
    check_output(args.output)
    _, rows = read_csv(args.csv, COLUMNS, ("lead", "rmse", "bias", "acc", "initial_times"),
                       "a table from hycast evaluate -evaluate_csv")
    for r in rows:
        for key in ("lead", "initial_times"):
            if not (math.isfinite(r[key]) and r[key] == int(r[key]) and r[key] >= 0):
                raise InputError(f"{args.csv}: line {r['_line']}: {key} {r[key]:g} is not a non-negative whole number")
    fields = list(dict.fromkeys(r["field"] for r in rows))
    if args.field is not None:
        if args.field not in fields:
            raise InputError(f"{args.csv}: no rows for field '{args.field}' (fields in the file: {', '.join(fields)})")
        fields = [args.field]
    models = list(dict.fromkeys(r["model"] for r in rows))
    ninit = sorted({int(r["initial_times"]) for r in rows})
    import_plotting()
    import matplotlib.pyplot as plt

    ncol = min(len(fields), 3)
    nrow = (len(fields) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(5.2 * ncol, 3.9 * nrow + 0.5), squeeze=False, layout="constrained")
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    style = {}
    for m in models:
        if m in BASELINE_STYLES:
            style[m] = dict(BASELINE_STYLES[m])
        else:
            style[m] = dict(color=cycle[len([s for s in style if s not in BASELINES]) % len(cycle)], linestyle="-",
                            marker="o")
    for a, field in enumerate(fields):
        ax = axes.flat[a]
        leads = set()
        for m in models:
            pts = sorted((r["lead"], r[args.metric]) for r in rows if r["model"] == m and r["field"] == field)
            if not pts:
                continue
            leads.update(p[0] for p in pts)
            if not finite([p[1] for p in pts]):
                ax.plot([], [], label=f"{m} (undefined)", linewidth=0, **{k: v for k, v in style[m].items()
                                                                          if k != "linestyle"})
                continue
            # baselines underneath: where a model coincides with one, the model stays visible
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=m, markersize=4, zorder=2 if m in BASELINES else 3,
                    linewidth=1.2 if m in BASELINES else 1.8, **style[m])
        if args.metric == "bias":
            ax.axhline(0.0, color="k", linewidth=0.6)
        if args.metric == "acc":
            ax.set_ylim(top=1.0)
        if leads and max(leads) - min(leads) <= 24:
            ax.set_xticks(sorted(leads))
        ax.set_title(f"{METRICS[args.metric]} of {field}", fontsize=11)
        ax.set_xlabel(args.lead_label)
        ax.set_ylabel(with_units(METRICS[args.metric], args.units if args.metric != "acc" else ""))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8.5, frameon=False)
    for ax in axes.flat[len(fields):]:
        ax.set_visible(False)
    # initial_times counts the forecasts scored at each lead: fewer at long leads where the truth or a forecast file ends
    count = (f"{ninit[0]} initial time{'s' if ninit != [1] else ''}" if len(ninit) == 1 else
             f"{ninit[0]} to {ninit[-1]} initial times by lead")
    fig.suptitle(f"{METRICS[args.metric]} against lead time, {count} ({os.path.basename(args.csv)})", fontsize=11)
    save_png(fig, args.output, args.dpi)


if __name__ == "__main__":
    run(main)
