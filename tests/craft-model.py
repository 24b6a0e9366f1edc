#!/usr/bin/env python3
"""A copy of a hycast model file changed on purpose, for the trust tests (t066, t060).
    usage: craft-model.py FILE OUT MODE [ARG]      (FILE - digest: print whether FILE's checksum is right)
MODE: arch (append ARG to the architecture), nan (a NaN parameter of term ARG, or a zero normalisation variable ARG),
set (variable ARG's first value set to the number in a fifth argument), nochecksum, param (one parameter changed, the
old checksum kept).  The checksum is computed as src/io/modelfile.c specifies and written again after arch, nan and
set, so that the check behind the checksum is what refuses the file."""
import shutil, struct, sys
import netCDF4, numpy
src, out, mode = sys.argv[1:4]
arg = sys.argv[4] if len(sys.argv) > 4 else ""
GLOBALS = ["title", "model_architecture", "fields", "grid_type", "grid_radius", "grid_periodic_x", "grid_periodic_y"]

def fnv(h, data):
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h

def att(h, obj, name):
    h = fnv(h, name.encode() + b"\0")
    if name not in obj.ncattrs():
        return h
    v = obj.getncattr(name)
    if isinstance(v, str):
        return fnv(h, v.encode())
    return fnv(h, numpy.asarray(v, dtype="<f8").ravel().tobytes())

def digest(path):
    d = netCDF4.Dataset(path)
    d.set_auto_maskandscale(False)
    h = 0xcbf29ce484222325
    for g in GLOBALS:
        h = att(h, d, g)
    for name, v in d.variables.items():
        h = fnv(h, name.encode() + b"\0")
        for a in v.ncattrs():
            h = att(h, v, a)
        vals = numpy.asarray(v[:], dtype="<f8").ravel()
        h = fnv(h, struct.pack("<Q", vals.size))
        h = fnv(h, vals.tobytes())
    d.close()
    return "fnv1a64:%016x" % h

if mode == "digest":
    d = netCDF4.Dataset(src)
    print(d.getncattr("hycast_checksum") == digest(src))
    sys.exit(0)
shutil.copy(src, out)
d = netCDF4.Dataset(out, "a")
if mode == "arch":          # append ARG to the architecture, then a correct checksum
    d.setncattr("model_architecture", d.getncattr("model_architecture") + " " + arg)
elif mode == "nan":         # a NaN parameter or normalisation, with a correct checksum
    v = d.variables[arg]
    x = v[:]
    x[0] = float("nan") if arg == "mlp" else 0.0
    v[:] = x
elif mode == "set":         # variable ARG's first value set to a number, with a correct checksum
    v = d.variables[arg]
    x = v[:]
    x.flat[0] = float(sys.argv[5])
    v[:] = x
elif mode == "nochecksum":
    d.delncattr("hycast_checksum")
elif mode == "param":       # change one parameter, keep the old checksum
    v = d.variables["mlp"]
    x = v[:]
    x[0] += 1e-9 * max(1.0, abs(float(x[0])))
    v[:] = x
d.close()
if mode in ("arch", "nan", "set"):
    d = netCDF4.Dataset(out, "a")
    d.setncattr("hycast_checksum", digest(out))
    d.close()
