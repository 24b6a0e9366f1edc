#!/usr/bin/python3
"""Training curves from the CSV logs of 'hycast train -train_log FILE' (columns epoch, train_loss, val_mse, grad_norm,
lambda, lr, seconds, then one column <term>.<parameter> per physical parameter, diffusivities as K): the training loss
(solid) and validation MSE (dashed) against epoch on a log scale in the top panel, and below it one small panel per
physical parameter (their magnitudes differ by orders, so each gets its own axis).  Several logs are compared in the
same panels, one colour each.  With --truth (a file from hycast generate), each parameter panel shows the true value
of the chosen environment as a black dashed line, from the file's attributes true_<term>_<parameter>.  A log that
was resumed after an interruption may repeat epochs: the last line of each epoch is drawn."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hycast_post import (InputError, make_parser, run, import_plotting, check_output, check_inputs, save_png,
                         open_netcdf, read_csv, finite)

COLUMNS = ["epoch", "train_loss", "val_mse", "grad_norm", "lambda", "lr", "seconds"]


def parse_args(argv=None):
    ap = make_parser(__doc__, "plot_training.py --log out/hybrid.csv --label hybrid --log out/physics.csv "
                     "--label physics --truth out/generate.nc --env 0 -o curves.png",
                     "curves.png", 120)
    ap.add_argument("--log", action="append", required=True, metavar="FILE.csv",
                    help="training log from hycast train -train_log (required; repeat to compare several runs)")
    ap.add_argument("--label", action="append", default=None, metavar="NAME",
                    help="legend name of each log, in the order of --log (default: the file names)")
    ap.add_argument("--truth", default=None, metavar="T.nc",
                    help="file from hycast generate whose true_<term>_<parameter> attributes give the true values "
                    "(default: none)")
    ap.add_argument("--env", type=int, default=None, metavar="E",
                    help="environment whose true values to draw, with --truth (default 0)")
    return ap.parse_args(argv)


def read_log(path):
    """Columns of one log as lists ordered by epoch (the last line of a repeated epoch wins); parameter names."""
    header, rows = read_csv(path, COLUMNS, COLUMNS, "a log from hycast train -train_log")
    params = [h for h in header if h not in COLUMNS]
    for p in params:
        if "." not in p:
            raise InputError(f"{path}: column '{p}' is not a parameter name <term>.<parameter>")
    by_epoch = {}
    for r in rows:
        for p in params:
            if not isinstance(r[p], float):
                raise InputError(f"{path}: line {r['_line']}: column {p}: '{r[p]}' is not a number")
        if not math.isfinite(r["epoch"]):
            raise InputError(f"{path}: line {r['_line']}: epoch {r['epoch']:g} is not a number")
        by_epoch[r["epoch"]] = r
    epochs = sorted(by_epoch)
    cols = {c: [by_epoch[e][c] for e in epochs] for c in header}
    return cols, params


def true_values(path, env, params):
    """{parameter column: true value of environment ENV} from the attributes true_<term>_<parameter>."""
    import numpy as np
    ds = open_netcdf(path)
    out, nenv = {}, None
    for p in params:
        name = "true_" + p.replace(".", "_", 1)
        if name not in ds.attrs:
            continue
        vals = np.atleast_1d(np.asarray(ds.attrs[name], dtype=float))
        if not 0 <= env < len(vals):
            raise InputError(f"{path}: --env {env}, but attribute {name} has {len(vals)} value(s) (environments 0 .. "
                             f"{len(vals) - 1})")
        out[p], nenv = float(vals[env]), len(vals)
    if not out:
        expect = ", ".join("true_" + p.replace(".", "_", 1) for p in params[:3])
        raise InputError(f"{path}: no true value for any parameter of the logs (expected attributes such as {expect}; "
                         "is this a file from hycast generate?)")
    return out, nenv


def main():
    args = parse_args()
    check_output(args.output)
    if args.label is not None and len(args.label) != len(args.log):
        raise InputError(f"{len(args.label)} --label for {len(args.log)} --log: give one label per log, or none")
    if args.env is not None and args.truth is None:
        raise InputError("--env selects the environment of --truth: give --truth T.nc as well")
    labels = args.label or [os.path.splitext(os.path.basename(p))[0] for p in args.log]
    logs = [read_log(p) for p in args.log]
    params = list(dict.fromkeys(p for _, ps in logs for p in ps))
    check_inputs(args.truth)
    import_plotting(need_xarray=args.truth is not None)

    truth, nenv = ({}, 0)
    env = 0 if args.env is None else args.env
    if args.truth is not None:
        if not params:
            raise InputError(f"--truth {args.truth}: the logs have no physical-parameter columns to compare with")
        truth, nenv = true_values(args.truth, env, params)
        missing = [p for p in params if p not in truth]
        if missing:
            print(f"note: {args.truth} has no true value for {', '.join(missing)}")

    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogFormatterSciNotation, MaxNLocator

    ncol = min(max(len(params), 1), 4)
    nrow = (len(params) + ncol - 1) // ncol
    fig = plt.figure(figsize=(max(3.3 * ncol, 7.5), 3.6 + 2.6 * nrow + 0.3), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[3.6, 2.6 * nrow + 0.01]) if params else (fig, None)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    ax = top.subplots()
    for k, ((cols, _), label) in enumerate(zip(logs, labels)):
        c = colors[k % len(colors)]
        ep = cols["epoch"]
        tl = [v if v > 0 else math.nan for v in cols["train_loss"]]
        vl = [v if v > 0 else math.nan for v in cols["val_mse"]]
        ax.plot(ep, tl, color=c, linewidth=1.8, marker="o" if len(ep) <= 40 else None, markersize=3,
                label=f"{label}: training loss")
        if finite(vl):
            ax.plot(ep, vl, color=c, linewidth=1.5, linestyle="--", marker="s" if len(ep) <= 40 else None,
                    markersize=3, label=f"{label}: validation MSE")
        else:
            ax.plot([], [], color=c, linestyle="--", label=f"{label}: no validation data")
    ax.set_yscale("log")
    # label the minor ticks too when the losses span less than about two decades (else one label or none)
    ax.yaxis.set_minor_formatter(LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch (Adam) or iteration (TAO)")
    ax.set_ylabel("loss (normalised misfit)")
    ax.set_title("training loss and validation MSE", fontsize=11)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8.5, frameon=False, ncol=2 if len(logs) > 2 else 1)

    if params:
        paxes = bottom.subplots(nrow, ncol, squeeze=False, sharex=True)
        for a, p in enumerate(params):
            pax = paxes.flat[a]
            values = []
            for k, ((cols, ps), label) in enumerate(zip(logs, labels)):
                if p in ps:
                    pax.plot(cols["epoch"], cols[p], color=colors[k % len(colors)], linewidth=1.6, label=label)
                    values += finite(cols[p])
            if p in truth:
                pax.axhline(truth[p], color="k", linestyle="--", linewidth=1.0,
                            label=f"true (env {env})" if nenv > 1 else "true")
                values.append(truth[p])
            if values and min(values) > 0 and max(values) / min(values) > 30:
                pax.set_yscale("log")
            else:
                pax.ticklabel_format(axis="y", useOffset=False)
            pax.xaxis.set_major_locator(MaxNLocator(integer=True))
            pax.set_title(p, fontsize=10)
            pax.tick_params(labelsize=8)
            pax.grid(True, alpha=0.25)
            if a // ncol == nrow - 1 or a + ncol >= len(params):
                pax.set_xlabel("epoch", fontsize=9)
                pax.xaxis.set_tick_params(labelbottom=True)
            if a == 0:
                pax.legend(fontsize=7.5, frameon=False)
        for pax in paxes.flat[len(params):]:
            pax.set_visible(False)
        bottom.suptitle("physical parameters (diffusivities as K)" +
                        (f"; dashed black: true values from {os.path.basename(args.truth)}" if truth else ""),
                        fontsize=10.5)
    save_png(fig, args.output, args.dpi)


if __name__ == "__main__":
    run(main)
