#!/usr/bin/env python3
"""Writes the CDL files of tests/data (run from this folder: python3 make-cdl.py).  The tests turn them into NetCDF
files with ncgen; no binary file is kept in the repository.  Field values follow F below, so that tests can compute the
expected value of any cell from its coordinates:  F(t, x, y) = 10 + 0.2 y + 3 sin(x deg) + 0.5 t  (t: step index)."""
import math
import struct


def F(t, x, y):
    return 10 + 0.2 * y + 3 * math.sin(math.radians(x)) + 0.5 * t


def f32(v):
    """text that ncgen reads back as exactly the float32 nearest to v"""
    if isinstance(v, str):
        return v
    return "%.9g" % struct.unpack("f", struct.pack("f", v))[0]


def data(values, per_line=12):
    lines = [", ".join(values[i:i + per_line]) for i in range(0, len(values), per_line)]
    return ",\n    ".join(lines)


def write(name, text):
    with open(name, "w") as f:
        f.write(text)


def coords(lat, lon, latname="lat", lonname="lon"):
    return (f"  {latname} = {', '.join('%g' % v for v in lat)} ;\n"
            f"  {lonname} = {', '.join('%g' % v for v in lon)} ;\n")


LATLON_VARS = """  float lat(lat) ; lat:units = "degrees_north" ; lat:standard_name = "latitude" ; lat:axis = "Y" ;
  float lon(lon) ; lon:units = "degrees_east" ; lon:standard_name = "longitude" ; lon:axis = "X" ;
"""

# 1. packed short, north-first latitude, 0..360 longitude, _FillValue on 4 land cells; made in the three formats
lat = [75, 45, 15, -15, -45, -75]
lon = [30 * i for i in range(12)]
land = {(15, 60), (15, 90), (45, 60), (45, 90)}
vals = []
for t in range(3):
    for y in lat:
        for x in lon:
            vals.append("_" if (y, x) in land else str(int(round((F(t, x, y) - 15) / 0.01))))
write("ll-packed.cdl", f"""// packed short with scale_factor/add_offset and _FillValue; latitude north first; longitude 0..330 (global)
netcdf ll-packed {{
dimensions:
  time = UNLIMITED ; lat = 6 ; lon = 12 ;
variables:
  double time(time) ; time:units = "days since 2000-01-01" ; time:calendar = "standard" ; time:standard_name = "time" ;
{LATLON_VARS}  short sst(time, lat, lon) ;
    sst:scale_factor = 0.01f ; sst:add_offset = 15.f ; sst:_FillValue = -32767s ;
    sst:units = "degC" ; sst:long_name = "packed test field" ; sst:standard_name = "sea_surface_temperature" ;
data:
  time = 0, 31, 60 ;
{coords(lat, lon)}  sst =
    {data(vals)} ;
}}
""")

# 2. float with _FillValue, missing_value and NaN on land; latitude south first; longitude -180..150
lat = [-75, -45, -15, 15, 45, 75]
lon = [-180 + 30 * i for i in range(12)]
nan_cells = {(-15, -120), (-15, -90)}
fill_cells = {(15, 0), (15, 30)}
miss_cells = {(45, 120), (75, 120)}
vals = []
for t in range(4):
    for y in lat:
        for x in lon:
            if (y, x) in nan_cells:
                vals.append("NaNf")
            elif (y, x) in fill_cells:
                vals.append("-999.f")
            elif (y, x) in miss_cells:
                vals.append("1.e20f")
            else:
                vals.append(f32(F(t, x, y)))
write("ll-missing.cdl", f"""// float with _FillValue, missing_value and NaN on land cells; latitude south first; longitude -180..150 (global)
netcdf ll-missing {{
dimensions:
  time = 4 ; lat = 6 ; lon = 12 ;
variables:
  double time(time) ; time:units = "hours since 2001-01-01 00:00:00" ; time:calendar = "noleap" ;
{LATLON_VARS}  float sst(time, lat, lon) ; sst:_FillValue = -999.f ; sst:missing_value = 1.e20f ; sst:units = "degC" ;
data:
  time = 0, 24, 48, 72 ;
{coords(lat, lon)}  sst =
    {data(vals)} ;
}}
""")

# 3. regional, non-uniform latitude, a level dimension, 360-day calendar
lat = [-50, -30, -15, -5, 5, 15, 30, 50]
lon = [280 + 10 * i for i in range(7)]
depth = [5, 50, 500]
vals = []
for t in range(2):
    for k in range(3):
        for y in lat:
            for x in lon:
                vals.append(f32(F(t, x, y) + 100 * k))
write("ll-regional.cdl", f"""// regional longitudes 280..340, non-uniform latitudes, a depth dimension (positive down), 360_day calendar
netcdf ll-regional {{
dimensions:
  time = 2 ; depth = 3 ; lat = 8 ; lon = 7 ;
variables:
  double time(time) ; time:units = "days since 2000-01-30" ; time:calendar = "360_day" ;
  float depth(depth) ; depth:units = "m" ; depth:positive = "down" ;
{LATLON_VARS}  float temp(time, depth, lat, lon) ; temp:units = "degC" ;
data:
  time = 0, 30 ;
  depth = 5, 50, 500 ;
{coords(lat, lon)}  temp =
    {data(vals)} ;
}}
""")

# 4. calendars: one variable per calendar, each on its own time axis
cals = [("standard", "days since 1582-10-01", [0, 1, 2, 3, 4, 5]),
        ("gregorian", "days since 2000-02-28", [0, 1, 2, 366]),
        ("proleptic_gregorian", "days since 1582-10-03 12:00:00", [0, 1, 2.5]),
        ("julian", "days since 1900-02-28", [0, 1, 2]),
        ("noleap", "days since 2000-02-28", [0, 1, 365]),
        ("365_day", "hours since 2004-02-28 00:00", [24, 48]),
        ("all_leap", "days since 2001-02-28", [0, 1, 2]),
        ("366_day", "days since 2001-12-31", [0, 1]),
        ("360_day", "days since 2000-01-30", [0, 1, 30, 360]),
        ("standard", "seconds since 1970-01-01T00:00:00Z", [0, 86400.5])]
dims = "".join(f"  t{i} = {len(v)} ;\n" for i, (_, _, v) in enumerate(cals))
variables = "".join(f'  double t{i}(t{i}) ; t{i}:units = "{u}" ; t{i}:calendar = "{c}" ;\n'
                    f"  float x{i}(t{i}, lat, lon) ;\n" for i, (c, u, _) in enumerate(cals))
values = "".join(f"  t{i} = {', '.join('%g' % x for x in v)} ;\n"
                 f"  x{i} = {', '.join(['1'] * (len(v) * 16))} ;\n" for i, (_, _, v) in enumerate(cals))
write("calendars.cdl", f"""// one variable per CF calendar, each on its own time axis (see tests/t052-reader-cdl.c for the expected dates)
netcdf calendars {{
dimensions:
  lat = 4 ; lon = 4 ;
{dims}variables:
{LATLON_VARS}{variables}data:
  lat = -30, -10, 10, 30 ;
  lon = 0, 10, 20, 30 ;
{values}}}
""")

# 5. Cartesian axes (y downwards in the file), an environment dimension, hycast's periodicity attribute
ys = [300, 200, 100, 0]
xs = [0, 100, 200, 300, 400]
vals = ["%g" % (1 + 0.01 * x + 0.001 * y + t + 1000 * e) for e in range(3) for t in range(2) for y in ys for x in xs]
write("cartesian-env.cdl", f"""// Cartesian x/y in metres (y decreasing), 3 environments, periodic in x by hycast's attribute
netcdf cartesian-env {{
dimensions:
  env = 3 ; time = 2 ; y = 4 ; x = 5 ;
variables:
  double time(time) ; time:units = "seconds since 2000-01-01" ;
  double y(y) ; y:units = "m" ; y:axis = "Y" ;
  double x(x) ; x:units = "m" ; x:axis = "X" ;
  double h(env, time, y, x) ; h:units = "m" ;
  :hycast_periodic = "x" ;
data:
  time = 0, 3600 ;
  y = {', '.join(map(str, ys))} ;
  x = {', '.join(map(str, xs))} ;
  h =
    {data(vals, 10)} ;
}}
""")

# 6. values that encode their own file indices: 10000 t + 100 j + i
lat = [81 - 18 * j for j in range(10)]
lon = [10 * i for i in range(36)]
vals = [str(10000 * t + 100 * j + i) for t in range(3) for j in range(10) for i in range(36)]
write("hyperslab.cdl", f"""// code(t, j, i) = 10000 t + 100 j + i: each value says where it sits in the file; latitude north first
netcdf hyperslab {{
dimensions:
  time = 3 ; lat = 10 ; lon = 36 ;
variables:
  double time(time) ; time:units = "days since 2000-01-01" ;
{LATLON_VARS}  double code(time, lat, lon) ;
data:
  time = 0, 1, 2 ;
{coords(lat, lon)}  code =
    {data(vals)} ;
}}
""")

# 7. auxiliary fields: velocity components in the data file and in another file (same grid, other orientation)
lat = [-40, -20, 0, 20, 40]
lon = [0, 20, 40, 60, 80, 100]
sst = [f32(F(t, x, y)) for t in range(2) for y in lat for x in lon]
uu = [f32(0.1 * t + 0.001 * x) for t in range(2) for y in lat for x in lon]
vv = [f32(0.002 * y) for y in lat for x in lon]
write("aux.cdl", f"""// data sst plus velocity components u (time-varying) and v (constant) on the same grid
netcdf aux {{
dimensions:
  time = 2 ; lat = 5 ; lon = 6 ;
variables:
  double time(time) ; time:units = "days since 2000-01-01" ;
{LATLON_VARS}  float sst(time, lat, lon) ;
  float u(time, lat, lon) ; u:units = "m s-1" ;
  float v(lat, lon) ; v:units = "m s-1" ;
data:
  time = 0, 1 ;
{coords(lat, lon)}  sst = {data(sst)} ;
  u = {data(uu)} ;
  v = {data(vv)} ;
}}
""")
lat_n = lat[::-1]
uu = [f32(0.1 * t + 0.001 * x) for t in range(2) for y in lat_n for x in lon]
write("aux-file.cdl", f"""// the velocity u of aux.cdl in another file, latitude north first and time in hours
netcdf aux-file {{
dimensions:
  time = 2 ; lat = 5 ; lon = 6 ;
variables:
  double time(time) ; time:units = "hours since 2000-01-01" ;
{LATLON_VARS}  float u(time, lat, lon) ;
data:
  time = 0, 24 ;
{coords(lat_n, lon)}  u = {data(uu)} ;
}}
""")
lat_o = [-40, -20, 0, 20]
write("aux-other-grid.cdl", f"""// a velocity on another grid than aux.cdl (4 latitudes instead of 5): refused
netcdf aux-other-grid {{
dimensions:
  time = 2 ; lat = 4 ; lon = 6 ;
variables:
  double time(time) ; time:units = "days since 2000-01-01" ;
{LATLON_VARS}  float u(time, lat, lon) ;
data:
  time = 0, 1 ;
{coords(lat_o, lon)}  u = {data(['0.5'] * 48)} ;
}}
""")

# 8. bad inputs
small_lat = [-20, 0, 20]
small_lon = [0, 10, 20, 30]


def small(name, comment, lat, lon, body_vars, body_data, dims_extra="", time_attrs='time:units = "days since 2000-01-01" ;'):
    write(name, f"""// {comment}
netcdf {name[:-4]} {{
dimensions:
  time = 2 ; lat = {len(lat)} ; lon = {len(lon)} ;{dims_extra}
variables:
  double time(time) ; {time_attrs}
{LATLON_VARS}{body_vars}data:
  time = 0, 1 ;
{coords(lat, lon)}{body_data}}}
""")


ones = ", ".join(["1"] * 24)
small("bad-nonmonotonic.cdl", "latitudes 10, 30, 20: not monotonic", [10, 30, 20], small_lon,
      "  float sst(time, lat, lon) ;\n", f"  sst = {ones} ;\n")
vals = ["1"] * 24
vals[12 + 5] = "NaNf"   # step 1, lat 0, lon 10: valid at step 0
small("bad-nan-ocean.cdl", "a NaN at one time step in a cell that has data at the other", small_lat, small_lon,
      "  float sst(time, lat, lon) ;\n", f"  sst = {', '.join(vals)} ;\n")
small("bad-calendar.cdl", "calendar 'martian' is not a CF calendar", small_lat, small_lon,
      "  float sst(time, lat, lon) ;\n", f"  sst = {ones} ;\n",
      time_attrs='time:units = "days since 2000-01-01" ; time:calendar = "martian" ;')
small("bad-dims.cdl", "series(time) has one dimension; odd(time, lat, lon, foo) a dimension no axis rule knows", small_lat, small_lon,
      "  float series(time) ;\n  float odd(time, lat, lon, foo) ;\n",
      f"  series = 1, 2 ;\n  odd = {', '.join(['1'] * 48)} ;\n", dims_extra=" foo = 2 ;")

# 9. longitude before latitude: the variable is stored (time, lon, lat)
lat = [-30, 0, 30]
lon = [0, 90, 180, 270]
vals = [f32(F(t, x, y)) for t in range(2) for x in lon for y in lat]
write("transposed.cdl", f"""// a variable stored (time, lon, lat): x before y
netcdf transposed {{
dimensions:
  time = 2 ; lon = 4 ; lat = 3 ;
variables:
  double time(time) ; time:units = "days since 2000-01-01" ;
{LATLON_VARS}  float sst(time, lon, lat) ;
data:
  time = 0, 1 ;
{coords(lat, lon)}  sst = {data(vals)} ;
}}
""")

# 10. several fields whose missing cells differ (issue 23): a cell where one field is never present but the others are
#     must be land for every field, and said.  Values are never 0, so that a 0 in an output is a made-up number.
lat = [-50, -30, -10, 10, 30, 50, 65, 75]
lon = [45 * i for i in range(8)]
land = {(x, y) for x in (90, 135) for y in (-10, 10)}   # every field missing at every step (u has values: wind over land)
ice_rows = {65, 75}                                   # sst NaN at every step (sea ice), the others have values
sss_gone = {(270, -30)}                               # sss missing at every step, the others have values
gap = (0, 30, 1)                                      # gappy missing at step 1 only: -data_fill mean gives H(1)
u_gone = {(45, 50)}                                   # auxiliary u missing at every step, the data has values


def G(t, x, y):
    return 34 + 0.01 * y + 0.1 * t


def H(t, x, y):
    return 1 + 0.01 * y + 0.002 * x + 0.1 * t


def field(fn, gone, nan=False, skip=None):
    out = []
    for t in range(3):
        for y in lat:
            for x in lon:
                if (x, y) in gone or skip == (x, y, t):
                    out.append("NaNf" if nan else "_")
                else:
                    out.append(f32(fn(t, x, y)))
    return out


write("land-fields.cdl", f"""// several fields whose missing cells differ (see tests/t059-reader-land.py): land in every field (4 cells), sst NaN
// at every step north of 60N (16 cells), sss missing at every step in one cell, gappy missing at one step in one cell,
// the auxiliary u missing at every step in one ocean cell but present over land
netcdf land-fields {{
dimensions:
  time = 3 ; lat = {len(lat)} ; lon = {len(lon)} ;
variables:
  double time(time) ; time:units = "days since 2000-01-01" ;
{LATLON_VARS}  float sst(time, lat, lon) ; sst:_FillValue = -999.f ; sst:units = "degC" ;
  float sss(time, lat, lon) ; sss:_FillValue = -999.f ; sss:units = "1e-3" ;
  float ice(time, lat, lon) ; ice:_FillValue = -999.f ; ice:units = "1" ;
  float gappy(time, lat, lon) ; gappy:_FillValue = -999.f ;
  float u(time, lat, lon) ; u:_FillValue = -999.f ; u:units = "m s-1" ;
data:
  time = 0, 1, 2 ;
{coords(lat, lon)}  sst =
    {data(field(lambda t, x, y: F(t, x, y) + 20, land | {(x, y) for x in lon for y in ice_rows}, nan=True))} ;
  sss =
    {data(field(G, land | sss_gone))} ;
  ice =
    {data(field(H, land))} ;
  gappy =
    {data(field(H, land, skip=gap))} ;
  u =
    {data(field(G, u_gone))} ;
}}
""")

# 11. time without units (issue 23): a time coordinate without a units attribute, and a time dimension without a
#     coordinate variable; the reader refuses both unless -data_time_units gives the units
lat = [-20, 0, 20]
lon = [0, 10, 20, 30]
vals = [f32(F(t, x, y)) for t in range(3) for y in lat for x in lon]
write("time-no-units.cdl", f"""// a time coordinate without units (values 0, 6, 12): refused unless -data_time_units gives them
netcdf time-no-units {{
dimensions:
  time = 3 ; lat = 3 ; lon = 4 ;
variables:
  double time(time) ; time:calendar = "noleap" ;
{LATLON_VARS}  float sst(time, lat, lon) ; sst:units = "degC" ;
data:
  time = 0, 6, 12 ;
{coords(lat, lon)}  sst = {data(vals)} ;
}}
""")
write("time-no-coord.cdl", f"""// a time dimension without a coordinate variable: refused unless -data_time_units gives the step (step k = k units)
netcdf time-no-coord {{
dimensions:
  time = 3 ; lat = 3 ; lon = 4 ;
variables:
{LATLON_VARS}  float sst(time, lat, lon) ; sst:units = "degC" ;
data:
{coords(lat, lon)}  sst = {data(vals)} ;
}}
""")

# 11. dated series for hycast evaluate's date ranges: yearly states on 1 July 1990-1999 (a range's end date falls between
# two states) and monthly states on the 15th, 1990-01 .. 1991-12; irregular values so that every baseline's score
# depends on exactly which states it uses
import datetime

ys = [0, 100, 200, 300]
xs = [0, 100, 200, 300, 400]
wiggle = [0, 1.5, 0.5, 2.5, 1, 3, 2, 0.25, 2.75, 1.25]
for name, dates, comment in (
        ("eval-annual.cdl", [datetime.date(1990 + k, 7, 1) for k in range(10)], "yearly states on 1 July 1990 .. 1999"),
        ("eval-monthly.cdl", [datetime.date(1990 + k // 12, k % 12 + 1, 15) for k in range(24)],
         "monthly states on the 15th, 1990-01 .. 1991-12")):
    days = [(d - datetime.date(1990, 1, 1)).days for d in dates]
    vals = ["%g" % (1 + 0.01 * x + 0.001 * y + wiggle[(7 * t) % 10] * (1 + 0.002 * x) + 0.1 * t)
            for t in range(len(dates)) for y in ys for x in xs]
    write(name, f"""// {comment}, Cartesian 5 x 4; h = 1 + 0.01 x + 0.001 y + w(t) (1 + 0.002 x) + 0.1 t
netcdf {name[:-4]} {{
dimensions:
  time = {len(dates)} ; y = 4 ; x = 5 ;
variables:
  double time(time) ; time:units = "days since 1990-01-01" ; time:calendar = "standard" ;
  double y(y) ; y:units = "m" ; y:axis = "Y" ;
  double x(x) ; x:units = "m" ; x:axis = "X" ;
  double h(time, y, x) ; h:units = "m" ;
data:
  time = {', '.join(map(str, days))} ;
  y = {', '.join(map(str, ys))} ;
  x = {', '.join(map(str, xs))} ;
  h =
    {data(vals, 10)} ;
}}
""")
