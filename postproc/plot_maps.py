#!/usr/bin/python3
"""Maps of a hycast forecast against the truth: one row per chosen lead, with the truth at the valid time, the
forecast, and forecast - truth.  Truth and forecast share one colour scale (so the two columns compare directly); the
error uses a diverging scale centred at zero; land cells are grey.  The truth is matched to each valid time by date
(both files decoded with their calendars); it may cover a larger area than the forecast (e.g. the global ERSST file
for a North Atlantic forecast), but must contain the forecast's grid points.  For each lead the script also prints
the RMSE and bias over the ocean cells (area-weighted on lat-lon grids), as hycast evaluate computes them."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hycast_post import (InputError, make_parser, run, import_plotting, check_output, check_inputs, save_png,
                         open_netcdf, get_variable, calendar_of, increasing_times, same_calendar, format_date,
                         needs_time_of_day, units_of, with_units)


def parse_args(argv=None):
    ap = make_parser(__doc__, "plot_maps.py --forecast out/forecast.nc --truth out/generate.nc --env 0 --var u "
                     "--leads 1,5,10 -o maps.png",
                     "maps.png", 110)
    ap.add_argument("--forecast", required=True, metavar="F.nc",
                    help="forecast file written by 'hycast forecast' (required)")
    ap.add_argument("--truth", required=True, metavar="T.nc",
                    help="truth: a file from 'hycast generate' or 'hycast extract', or observations such as ERSST "
                    "(required)")
    ap.add_argument("--var", required=True, metavar="NAME", help="field to draw, e.g. sst or u (required)")
    ap.add_argument("--env", type=int, default=None, metavar="E",
                    help="environment of a truth file with an 'env' dimension (hycast generate); default 0")
    ap.add_argument("--member", default="mean", metavar="M|mean",
                    help="ensemble forecasts: the member to draw (from 0) or 'mean' for the ensemble mean "
                    "(default: mean)")
    ap.add_argument("--leads", default=None, metavar="L1,L2,...",
                    help="leads to draw, in forecast steps (0 is the initial state); default: the first, middle and "
                    "last")
    ap.add_argument("--cmap", default="viridis", help="colour map of truth and forecast (default: viridis)")
    return ap.parse_args(argv)


def spatial_kind(var, ds):
    """'latlon' or 'cartesian' from the last dimension's name and its coordinate's CF attributes."""
    xdim = var.dims[-1]
    xattrs = ds[xdim].attrs if xdim in ds.variables else {}
    if xdim in ("lon", "longitude") or str(xattrs.get("units", "")).startswith("degrees_e") or \
            xattrs.get("standard_name") == "longitude":
        return "latlon"
    return "cartesian"


def coord_values(ds, dim, n):
    import numpy as np
    return np.asarray(ds[dim].values, dtype=float) if dim in ds.variables else np.arange(n, dtype=float)


def match_axis(fc, tr, periodic, what, truth_path):
    """Indices of the truth's coordinate values equal to the forecast's (within a small fraction of a cell)."""
    import numpy as np
    spacing = np.min(np.abs(np.diff(fc))) if len(fc) > 1 else 1.0
    d = tr[None, :] - fc[:, None]
    if periodic:
        d = (d + 180.0) % 360.0 - 180.0
    idx = np.argmin(np.abs(d), axis=1)
    if np.all(np.abs(d[np.arange(len(fc)), idx]) <= 1e-3 * spacing):
        return idx
    raise InputError(f"{truth_path}: the truth's {what} coordinates ({tr.min():g} .. {tr.max():g}, {len(tr)} cells) "
                     f"do not contain the forecast's ({fc.min():g} .. {fc.max():g}, {len(fc)} cells): give the truth "
                     "on the forecast's grid (hycast generate at that resolution, or hycast extract)")


def cell_edges(c):
    import numpy as np
    if len(c) == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]])


def parse_leads(text, nsteps, first_lead, path):
    last = first_lead + nsteps - 1
    if text is None:
        lo = max(first_lead, 1) if last >= 1 else first_lead
        return sorted({lo, (lo + last + 1) // 2, last})
    leads = []
    for item in text.split(","):
        try:
            k = int(item)
        except ValueError:
            raise InputError(f"--leads {text}: '{item}' is not an integer number of forecast steps")
        if k < first_lead or k > last:
            raise InputError(f"--leads {text}: lead {k} is outside the forecast {path}, whose leads are "
                             f"{first_lead} .. {last}")
        if k not in leads:
            leads.append(k)
    return leads


def forecast_field(args, fvar):
    """The forecast as (time, Y, X): one member or the ensemble mean; a phrase saying which."""
    what = "forecast"
    if "member" in fvar.dims:
        nmem = fvar.sizes["member"]
        if args.member == "mean":
            fvar, what = fvar.mean("member", skipna=False, keep_attrs=True), f"ensemble mean of {nmem} members"
        else:
            try:
                m = int(args.member)
            except ValueError:
                raise InputError(f"--member {args.member}: give a member number or 'mean'")
            if not 0 <= m < nmem:
                raise InputError(f"--member {m}: {args.forecast} has members 0 .. {nmem - 1}")
            fvar, what = fvar.isel(member=m), f"member {m}"
    elif args.member != "mean":
        raise InputError(f"--member {args.member}: {args.forecast} is not an ensemble (no 'member' dimension)")
    if fvar.dims[0] != "time" or fvar.ndim != 3:
        raise InputError(f"{args.forecast}: variable '{args.var}' has dimensions {fvar.dims}, expected (time, y, x) "
                         "or (time, lat, lon) after the member dimension")
    return fvar, what


def truth_field(args, tvar):
    """The truth as (time, Y, X): one environment of a hycast generate file."""
    if "env" in tvar.dims:
        env = 0 if args.env is None else args.env
        if not 0 <= env < tvar.sizes["env"]:
            raise InputError(f"--env {env}: {args.truth} has environments 0 .. {tvar.sizes['env'] - 1}")
        tvar = tvar.isel(env=env)
    elif args.env is not None:
        raise InputError(f"--env {args.env}: {args.truth} has no 'env' dimension (one environment only)")
    if tvar.dims[0] != "time" or tvar.ndim != 3:
        raise InputError(f"{args.truth}: variable '{args.var}' has dimensions {tvar.dims}, expected (time, y, x) or "
                         "(time, lat, lon) (with a leading env dimension for hycast generate files)")
    return tvar


def main():
    args = parse_args()
    check_output(args.output)
    check_inputs(args.forecast, args.truth)
    import_plotting(need_xarray=True)
    import numpy as np

    fds, tds = open_netcdf(args.forecast), open_netcdf(args.truth)
    fvar, tvar = get_variable(fds, args.forecast, args.var), get_variable(tds, args.truth, args.var)
    for path, var in ((args.forecast, fvar), (args.truth, tvar)):
        if "time" not in var.dims:
            raise InputError(f"{path}: variable '{args.var}' has no time dimension")
    fcal, tcal = calendar_of(fds, args.forecast), calendar_of(tds, args.truth)
    ftimes, fsec = increasing_times(fds, args.forecast, fcal)
    ttimes, tsec = increasing_times(tds, args.truth, tcal)
    if not same_calendar(fcal, tcal, ftimes + ttimes):
        raise InputError(f"the calendars differ: {args.forecast} uses '{fcal}', {args.truth} uses '{tcal}'; dates "
                         "cannot be matched (forecast from data in the truth's calendar)")
    fvar, what = forecast_field(args, fvar)
    tvar = truth_field(args, tvar)

    # The truth's cells at the forecast's cell centres (the truth may cover a larger area, in another order).
    kind, tkind = spatial_kind(fvar, fds), spatial_kind(tvar, tds)
    if kind != tkind:
        raise InputError(f"{args.truth}: the truth is on a {tkind} grid {tvar.dims[1:]}, the forecast "
                         f"{args.forecast} on a {kind} grid {fvar.dims[1:]}")
    fy, fx = (coord_values(fds, d, n) for d, n in zip(fvar.dims[1:], fvar.shape[1:]))
    ty, tx = (coord_values(tds, d, n) for d, n in zip(tvar.dims[1:], tvar.shape[1:]))
    iy = match_axis(fy, ty, False, "y (latitude)" if kind == "latlon" else "y", args.truth)
    ix = match_axis(fx, tx, kind == "latlon", "x (longitude)" if kind == "latlon" else "x", args.truth)

    # Leads count forecast steps; lead_time says whether the first entry is the initial state.
    lt, lt_units, first_lead = None, "", 0
    if "lead_time" in fds.variables:
        lt = np.atleast_1d(np.asarray(fds["lead_time"].values, dtype=float))
        lt_units = str(fds["lead_time"].attrs.get("units", ""))
        first_lead = 0 if lt[0] == 0 else 1
    leads = parse_leads(args.leads, len(ftimes), first_lead, args.forecast)

    # Valid times to truth indices by date (seconds since one origin, each file in its own calendar).
    step = np.min(np.diff(fsec)) if len(fsec) > 1 else 1.0
    with_time = needs_time_of_day(ftimes)
    units = units_of(fvar) or units_of(tvar)
    weight = np.cos(np.deg2rad(fy))[:, None] if kind == "latlon" else np.ones((len(fy), 1))
    rows = []
    for k in leads:
        i = k - first_lead
        j = int(np.argmin(np.abs(tsec - fsec[i])))
        date = format_date(ftimes[i], with_time)
        if abs(tsec[j] - fsec[i]) > 1e-3 * step:
            raise InputError(f"{args.truth}: no truth at {date}, the valid time of lead {k} (the truth covers "
                             f"{format_date(ttimes[0], with_time)} .. {format_date(ttimes[-1], with_time)})")
        f = np.asarray(fvar.isel(time=i).values, dtype=float)
        t = np.asarray(tvar.isel(time=j).values, dtype=float)[np.ix_(iy, ix)]
        land = ~np.isfinite(f) | ~np.isfinite(t)
        if land.all():
            raise InputError(f"{args.forecast}: '{args.var}' has no ocean cell (every value missing) at lead {k}")
        f, t = np.where(land, np.nan, f), np.where(land, np.nan, t)
        w = np.where(land, 0.0, weight)
        e = np.where(land, 0.0, f - t)
        rmse, bias = math.sqrt(float(np.sum(w * e * e) / np.sum(w))), float(np.sum(w * e) / np.sum(w))
        rows.append(dict(lead=k, index=i, date=date, truth=t, forecast=f, error=f - t, rmse=rmse))
        print(f"lead {k} valid {date}: RMSE {rmse:.10g} bias {bias:.10g}{' ' + units if units else ''} "
              f"over {int((~land).sum())} ocean cells")

    # Colour scales shared down each column: truth and forecast together, the error symmetric about zero.
    vals = np.concatenate([np.concatenate([r["truth"][~np.isnan(r["truth"])], r["forecast"][~np.isnan(r["forecast"])]])
                           for r in rows])
    vmin, vmax = float(vals.min()), float(vals.max())
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    emax = max(float(np.nanmax(np.abs(r["error"]))) for r in rows) or 1e-12

    import matplotlib.pyplot as plt  # only now: bad input is reported without the cost of this import
    # Panels keep the grid's aspect (1/cos(latitude) on lat-lon grids); three columns, one row per lead.
    ye, xe = cell_edges(fy), cell_edges(fx)
    aspect = 1.0 / max(math.cos(math.radians(float(np.mean(fy)))), 0.1) if kind == "latlon" else 1.0
    box = aspect * (ye[-1] - ye[0]) / (xe[-1] - xe[0])
    pw = 3.4  # inches per column; the map itself is about 0.5 in narrower (tick labels)
    ph = min(max((pw - 0.5) * box, 1.4), 5.0) + 0.5
    fig, axes = plt.subplots(len(rows), 3, figsize=(3 * pw + 0.6, len(rows) * ph + 1.6), squeeze=False,
                             layout="constrained", sharex=True, sharey=True)
    if kind == "latlon":
        xlabel, ylabel = "longitude [°E]", "latitude [°N]"
    else:
        xlabel, ylabel = (with_units(d, units_of(fds[d]) if d in fds.variables else "") for d in fvar.dims[:0:-1])
    u = f" {units}" if units else ""
    for r, row in enumerate(rows):
        lead = f"lead {row['lead']}"
        if lt is not None and lt_units:
            lead += f" (+{lt[row['index']]:g} {lt_units})"
        panels = ((row["truth"], f"truth, {row['date']}", args.cmap, vmin, vmax),
                  (row["forecast"], f"forecast, {lead}", args.cmap, vmin, vmax),
                  (row["error"], f"forecast − truth, RMSE {row['rmse']:.3g}{u}", "RdBu_r", -emax, emax))
        for c, (data, title, cmap, lo, hi) in enumerate(panels):
            ax = axes[r, c]
            ax.set_facecolor("0.82")
            im = ax.pcolormesh(xe, ye, np.ma.masked_invalid(data), cmap=cmap, vmin=lo, vmax=hi)
            ax.set_aspect(aspect)
            ax.set_title(title, fontsize=9.5)
            ax.tick_params(labelsize=8)
            if c == 0:
                ax.set_ylabel(ylabel)
                im_field = im
            if r == len(rows) - 1:
                ax.set_xlabel(xlabel)
        im_err = im
    label = str(fvar.attrs.get("long_name", args.var))
    if not label.startswith(args.var):
        label = f"{args.var}: {label}"
    fig.colorbar(im_field, ax=axes[:, :2], orientation="horizontal", shrink=0.6, aspect=40,
                 label=with_units(label, units))
    fig.colorbar(im_err, ax=axes[:, 2], orientation="horizontal", shrink=0.9, aspect=20,
                 label=with_units(f"{args.var}: forecast − truth", units))

    init = fds["forecast_reference_time"].values.item() if "forecast_reference_time" in fds.variables else None
    model = fds.attrs.get("hycast_model", "")
    head = label + (f", forecast from {format_date(init, with_time)}" if init is not None else "")
    sub = f"forecast {os.path.basename(args.forecast)}"
    sub += f" (model {os.path.basename(model)})" if model else ""
    sub += "" if what == "forecast" else f": {what}"
    sub += f", truth {os.path.basename(args.truth)}" + (f" env {args.env or 0}" if "env" in tds.dims else "")
    fig.suptitle(f"{head}\n{sub}, land grey", fontsize=11)
    save_png(fig, args.output, args.dpi)


if __name__ == "__main__":
    run(main)
