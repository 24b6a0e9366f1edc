#!/usr/bin/env python3
"""PyTorch reference of the benchmark problem "hybrid-bench" (BENCHMARKS.md), written the way APHYNITY/LEADS-style
research code is: float64 tensors of the whole batch, vectorised terms, autograd through the RK4 steps.

It implements exactly hycast's discrete operator on a doubly periodic uniform grid, with hycast's weights read from a
hycast model file (bench/hybrid-bench -bench_write DIR writes DIR/model.nc and DIR/data.nc):

  physics  hycast's flux-form advection-diffusion with the centred scheme (src/physics/advdiff.c): on a uniform periodic
           grid the face fluxes v (u_l + u_r)/2 + K (u_l - u_r)/h give  -vx dx u - vy dy u + K Lap u  with centred
           differences and the 5-point Laplacian;
  mlp      per cell, features [u_c, du_c/dx, du_c/dy, Lap u_c] for each field c in this order, times the feature scales
           s_u, s_g, s_g, s_l; dense layers with the activation between them; times the output scale (docs/mlp.md);
  fno      h = A u + bL;  z = K h + Wp h + bp;  S = P sigma(z) + bP, times the output scale;
           K h = Re sum_k c_k R_k H_k e^{ik.x},  H_k = (1/N) sum h e^{-ik.x}, kx in [0, Mx), ky in [-My, My)
           (docs/fno.md): rfft2 / irfft2 with norm="forward" (irfft2 takes the real part at kx = 0).

Commands:
  reference.py check DIR            F(u0), the loss and every gradient against hycast's (DIR/data.nc), to --tol
  reference.py train DIR            time forward + gradient of the batch (--reps after --warmup), peak resident memory
"""
import argparse
import os
import re
import resource
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # torch's own threads parallelise; see BENCHMARKS.md

import numpy as np  # noqa: E402
import netCDF4  # noqa: E402
import torch  # noqa: E402

torch.set_default_dtype(torch.float64)

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "gelu": torch.nn.functional.gelu}


class ModelFileError(Exception):
    pass


def parse_options(text):
    """'-a 1 -b x,y -c' -> {'a': '1', 'b': 'x,y', 'c': ''}"""
    opts, key = {}, None
    for tok in text.split():
        if tok.startswith("-") and not re.match(r"^-[\d.]", tok):
            key = tok[1:]
            opts[key] = ""
        elif key is not None:
            opts[key] = tok if not opts[key] else opts[key] + " " + tok
    return opts


def split_names(text):
    """'a,b[0,1],c[2]' -> ['a', 'b[0,1]', 'c[2]'] (entry names hold commas inside their brackets)"""
    return re.findall(r"[^,\[]+(?:\[[^\]]*\])?", text)


def split_block(values, names):
    """Entries 'name[i,j,...]' of a parameter block -> {name: (array, offsets)}; plain names -> scalars."""
    groups = {}
    for k, name in enumerate(names):
        m = re.match(r"^(\w+)\[([-\d,]+)\]$", name)
        if m:
            idx = tuple(int(s) for s in m.group(2).split(","))
            groups.setdefault(m.group(1), []).append((idx, k))
        else:
            groups.setdefault(name, []).append(((), k))
    out = {}
    for g, items in groups.items():
        nd = len(items[0][0])
        lo = [min(i[d] for i, _ in items) for d in range(nd)]
        shape = [max(i[d] for i, _ in items) - lo[d] + 1 for d in range(nd)]
        arr = np.zeros(shape)
        pos = np.zeros(shape, dtype=np.int64)
        if len(items) != int(np.prod(shape)):
            raise ModelFileError(f"parameter group {g}: {len(items)} entries do not fill a {shape} array")
        for idx, k in items:
            j = tuple(i - o for i, o in zip(idx, lo))
            arr[j] = values[k]
            pos[j] = k
        out[g] = (arr, lo, pos)
    return out


class HybridModel:
    """The right-hand side of a hycast model file.  Parameters are leaf tensors shaped as a PyTorch user would hold them
    (W1 as 32 x 8, the spectral weights as one complex (kx, ky, out, in) tensor, ...); every entry keeps its position in
    hycast's parameter block, so that gradients can be compared entry by entry."""

    def __init__(self, path):
        with netCDF4.Dataset(path) as ds:
            arch = parse_options(ds.getncattr("model_architecture"))
            self.fields = ds.getncattr("fields").split(",")
            if ds.getncattr("grid_type") != "cartesian":
                raise ModelFileError(f"{path}: the reference handles Cartesian grids only")
            if not (int(ds.getncattr("grid_periodic_x")) and int(ds.getncattr("grid_periodic_y"))):
                raise ModelFileError(f"{path}: the reference handles doubly periodic grids only")
            x, y = np.array(ds["x"][:], dtype=float), np.array(ds["y"][:], dtype=float)
            if not np.all(np.array(ds["mask"][:]) == 1):
                raise ModelFileError(f"{path}: the reference handles grids without land only")
            self.blocks = {}
            for name, var in ds.variables.items():
                if "term_type" in var.ncattrs():
                    names = split_names(var.getncattr("parameter_names")) if "parameter_names" in var.ncattrs() else []
                    self.blocks[name] = (var.getncattr("term_type"), np.array(var[:], dtype=float), names)
        dx, dy = np.diff(x), np.diff(y)
        if not (np.allclose(dx, dx[0], rtol=1e-12) and np.allclose(dy, dy[0], rtol=1e-12)):
            raise ModelFileError(f"{path}: the reference handles uniform grids only")
        self.nx, self.ny, self.hx, self.hy = len(x), len(y), float(dx[0]), float(dy[0])
        self.nc = len(self.fields)
        self.terms = arch.get("model_terms", "").split(",")
        self.params = {}  # (block, group) -> leaf tensor
        self.index = {}  # (block, group) -> positions of its entries in the block (two arrays for complex tensors)
        for block, (ttype, values, names) in self.blocks.items():
            if ttype not in ("advdiff", "mlp", "fno"):
                raise ModelFileError(f"{path}: term type {ttype} is not part of the benchmark")
            groups = split_block(values, names)
            if ttype == "fno":
                (re_, lo, pre), (im_, _, pim) = groups.pop("spectral_re"), groups.pop("spectral_im")
                mx, my = (int(s) for s in arch["fno_modes"].split(","))
                if lo[1] != -my or re_.shape[:2] != (mx, 2 * my):
                    raise ModelFileError(f"{path}: spectral weights are not kx in [0,{mx}) x ky in [-{my},{my})")
                self.mx, self.my = mx, my
                self.params[(block, "spectral")] = torch.tensor(re_ + 1j * im_, requires_grad=True)
                self.index[(block, "spectral")] = (pre, pim)
            for g, (arr, lo, pos) in groups.items():
                self.params[(block, g)] = torch.tensor(arr, requires_grad=True)
                self.index[(block, g)] = (pos, None)
        self.term_of = {ttype: block for block, (ttype, _, _) in self.blocks.items()}
        if arch.get("physics_scheme", "centered") != "centered" and "advdiff" in self.term_of:
            raise ModelFileError(f"{path}: the reference implements -physics_scheme centered only")
        mlp_hidden = arch.get("mlp_hidden", "32,32")
        self.mlp_layers = 1 + (0 if mlp_hidden == "none" else len(mlp_hidden.split(",")))
        self.mlp_act = ACTIVATIONS[arch.get("mlp_activation", "tanh")]
        if "mlp" in self.term_of and ("mlp_static" in arch or float(arch.get("mlp_time_period", "0")) != 0):
            raise ModelFileError(f"{path}: the reference has no static or time features")
        self.mlp_scale = [float(s) for s in arch.get("mlp_feature_scale", "1,1,1").split(",")]
        self.mlp_out = float(arch.get("mlp_output_scale", "1"))
        self.fno_act = ACTIVATIONS[arch.get("fno_activation", "tanh")]
        self.fno_out = float(arch.get("fno_output_scale", "1"))

    def p(self, ttype, group):
        return self.params[(self.term_of[ttype], group)]

    def leaves(self):
        return list(self.params.values())

    def entry(self, block, k):
        """Entry k of a block: (leaf tensor, index into it, part) with part None, 'real' or 'imag'."""
        for (b, grp), t in self.params.items():
            if b != block:
                continue
            for pos, part in zip(self.index[(b, grp)], (None, "imag") if t.is_complex() else (None,)):
                if pos is not None and (pos == k).any():
                    part = part or ("real" if t.is_complex() else None)
                    return t, tuple(int(i) for i in np.argwhere(pos == k)[0]), part
        raise KeyError(f"block {block} has no entry {k}")

    def flat_gradient(self, block):
        """The gradient of every entry of a parameter block, in hycast's order.  For a complex leaf z = x + i y,
        torch's gradient is dL/dx + i dL/dy."""
        g = np.zeros(len(self.blocks[block][1]))
        for (b, grp), t in self.params.items():
            if b != block:
                continue
            gt = (t.grad if t.grad is not None else torch.zeros_like(t)).detach().numpy()
            pos, pim = self.index[(b, grp)]
            if t.is_complex():
                g[pos.ravel()], g[pim.ravel()] = gt.real.ravel(), gt.imag.ravel()
            else:
                g[pos.ravel()] = gt.ravel()
        return g

    # ---- the terms; states are channel-last, (batch, ny, nx, fields)

    def derivatives(self, u):
        e, w = torch.roll(u, -1, 2), torch.roll(u, 1, 2)
        n, s = torch.roll(u, -1, 1), torch.roll(u, 1, 1)
        dx = (e - w) / (2 * self.hx)
        dy = (n - s) / (2 * self.hy)
        lap = (e + w - 2 * u) / self.hx**2 + (n + s - 2 * u) / self.hy**2
        return dx, dy, lap

    def physics(self, u, d):
        dx, dy, lap = d
        K = torch.exp(torch.stack([self.p("advdiff", f"log_diffusivity_{f}") for f in self.fields]))
        vx, vy = self.p("advdiff", "velocity_x"), self.p("advdiff", "velocity_y")
        return K * lap - vx * dx - vy * dy

    def mlp(self, u, d):
        dx, dy, lap = d
        su, sg, sl = self.mlp_scale
        f = torch.stack([su * u, sg * dx, sg * dy, sl * lap], dim=-1).flatten(-2)  # [u, dx, dy, lap] of each field
        for l in range(1, self.mlp_layers + 1):
            f = torch.nn.functional.linear(f, self.p("mlp", f"W{l}"), self.p("mlp", f"b{l}"))
            if l < self.mlp_layers:
                f = self.mlp_act(f)
        return self.mlp_out * f

    def fno(self, u):
        """Channel-last pointwise layers (F.linear), channel-first transforms (rfft2 / irfft2 over the last two axes), as
        in neuraloperator's FNO2d.  irfft2 takes the real part of a non-Hermitian kx = 0 column, which is hycast's
        convention (docs/fno.md); the cross-check confirms it, gradients included."""
        mx, my, ny, nx = self.mx, self.my, self.ny, self.nx
        lin = torch.nn.functional.linear
        R = self.p("fno", "spectral")  # (kx, ky + My, out, in)
        h = lin(u, self.p("fno", "lift_weight"), self.p("fno", "lift_bias"))  # (b, ny, nx, W)
        H = torch.fft.rfft2(h.permute(0, 3, 1, 2), norm="forward")  # (b, W, ny, nx/2+1)
        Y = torch.zeros(H.shape, dtype=H.dtype)
        Y[:, :, :my, :mx] = torch.einsum("bajk,kjoa->bojk", H[:, :, :my, :mx], R[:, my:])
        Y[:, :, ny - my :, :mx] = torch.einsum("bajk,kjoa->bojk", H[:, :, ny - my :, :mx], R[:, :my])
        k = torch.fft.irfft2(Y, s=(ny, nx), norm="forward").permute(0, 2, 3, 1)
        z = k + lin(h, self.p("fno", "linear_weight"), self.p("fno", "linear_bias"))
        return self.fno_out * lin(self.fno_act(z), self.p("fno", "projection_weight"), self.p("fno", "projection_bias"))

    def term(self, ttype, u, d=None):
        if ttype == "fno":
            return self.fno(u)
        d = d if d is not None else self.derivatives(u)
        return self.physics(u, d) if ttype == "advdiff" else self.mlp(u, d)

    def rhs(self, u):
        d = self.derivatives(u) if ("advdiff" in self.term_of or "mlp" in self.term_of) else None
        f = None
        for t in self.terms:
            part = self.term(t, u, d)
            f = part if f is None else f + part
        return f


def rk4(model, u, dt, nsteps):
    for _ in range(nsteps):
        k1 = model.rhs(u)
        k2 = model.rhs(u + 0.5 * dt * k1)
        k3 = model.rhs(u + 0.5 * dt * k2)
        k4 = model.rhs(u + dt * k3)
        u = u + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return u


def load_batch(path):
    """u0, target: (window, y, x, field) tensors; the window's steps; hycast's results when present."""
    with netCDF4.Dataset(path) as ds:
        get = lambda v: torch.tensor(np.array(ds[v][:], dtype=float))  # (window, y, x, field): channel-last
        data = {v: get(v) for v in ds.variables if v in ("u0", "target", "rhs", "grad_u0") or v.startswith("rhs_")}
        data["grads"] = {v[5:]: np.array(ds[v][:], dtype=float) for v in ds.variables if v.startswith("grad_") and v != "grad_u0"}
        data["loss"] = float(ds.getncattr("loss")) if "loss" in ds.ncattrs() else None
        t = ds.getncattr("window_times")
        data["steps"] = int(ds.getncattr("window_steps"))
        data["dt"] = float(t[1] - t[0]) / data["steps"]
    return data


def train_step(model, u0, target, dt, nsteps):
    """Loss of the batch (mean over windows, fields and cells) and its gradient: leaf .grad and the returned u0 grad."""
    for t in model.leaves():
        t.grad = None
    u = u0.clone().requires_grad_(True)
    loss = torch.mean((rk4(model, u, dt, nsteps) - target) ** 2)
    loss.backward()
    return loss.item(), u.grad


def relerr(a, b):
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def compare(model, data, tol, report):
    """Every comparison with hycast's results; report(what, err, ok) for each.  Returns the number that fail."""
    bad = 0

    def check(what, err):
        nonlocal bad
        bad += not err < tol
        report(what, err, err < tol)

    with torch.no_grad():
        u0 = data["u0"]
        check("F(u0) of every window", relerr(model.rhs(u0).numpy(), data["rhs"].numpy()))
        for block, (ttype, _, _) in model.blocks.items():
            part = model.term(ttype, u0)
            check(f"F(u0) of term '{block}' ({ttype})", relerr(part.numpy(), data[f"rhs_{block}"].numpy()))
    loss, gu0 = train_step(model, data["u0"], data["target"], data["dt"], data["steps"])
    report(f"loss: torch {loss:.17e}  hycast {data['loss']:.17e}", None, None)
    check("loss", relerr(loss, data["loss"]))
    for block, g in data["grads"].items():
        check(f"gradient of block '{block}' ({g.size})", relerr(model.flat_gradient(block), g))
    check("gradient of the initial states", relerr(gu0.numpy(), data["grad_u0"].numpy()))
    return bad


def cmd_check(args):
    model = HybridModel(os.path.join(args.dir, "model.nc"))
    data = load_batch(os.path.join(args.dir, "data.nc"))

    def report(what, err, ok):
        if err is None:
            print(f"  {what}")
        else:
            print(f"  {'ok  ' if ok else 'FAIL'} {what:34s} relative difference {err:.2e} (tolerance {args.tol:g})")

    print(f"{model.nx} x {model.ny} cells, {model.nc} fields, terms {','.join(model.terms)}, "
          f"{data['u0'].shape[0]} windows of {data['steps']} RK4 steps of {data['dt']}")
    bad = compare(model, data, args.tol, report)
    # the comparison must be able to fail: one weight perturbed at a time, every comparison recomputed
    for spec in args.perturb:
        block, _, entry = spec.partition(":")
        if block not in model.blocks or entry not in model.blocks[block][2]:
            raise ModelFileError(f"--perturb {spec}: no parameter {entry} in block {block}")
        t, j, part = model.entry(block, model.blocks[block][2].index(entry))
        with torch.no_grad():
            old = t[j].item()
            new = old.real * (1 + args.perturb_rel) if part != "imag" else old.real
            t[j] = new if part is None else complex(new, old.imag * (1 + args.perturb_rel) if part == "imag" else old.imag)
        worst = []
        nfail = compare(model, data, args.tol, lambda w, e, ok: worst.append(e) if e is not None else None)
        with torch.no_grad():
            t[j] = old
        ok = nfail > 0
        bad += not ok
        print(f"  {'ok  ' if ok else 'FAIL'} with {block} {entry} perturbed by {args.perturb_rel:g} relative, "
              f"{nfail} of {len(worst)} comparisons fail (largest difference {max(worst):.1e})")
    print("PASSED" if not bad else f"FAILED: {bad} check(s)")
    return 1 if bad else 0


def cmd_train(args):
    torch.set_num_threads(args.threads)
    model = HybridModel(os.path.join(args.dir, "model.nc"))
    data = load_batch(os.path.join(args.dir, "data.nc"))
    dt, nsteps = data["dt"], data["steps"]
    times = []
    for r in range(args.warmup + args.reps):
        t0 = time.perf_counter()
        loss, _ = train_step(model, data["u0"], data["target"], dt, nsteps)
        if r >= args.warmup:
            times.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0
    diff = relerr(loss, data["loss"]) if data["loss"] is not None else float("nan")
    med = float(np.median(times))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}: {model.nx} x {model.ny}, {data['u0'].shape[0]} windows of {nsteps} steps")
    print(f"RESULT torch.train median={med:.6e} reps={','.join(f'{t:.6e}' for t in times)} n={model.nx} "
          f"warmup={args.warmup} loss={loss:.17e} loss_vs_hycast={diff:.2e} peak_bytes={peak:.6e}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("check", "train"):
        p = sub.add_parser(name)
        p.add_argument("dir", help="directory with model.nc and data.nc from bench/hybrid-bench -bench_write")
        if name == "check":
            p.add_argument("--tol", type=float, default=1e-10, help="relative tolerance (default 1e-10)")
            p.add_argument("--perturb", action="append", default=[], metavar="BLOCK:ENTRY",
                           help="then check again with this one weight perturbed: the comparison must fail (repeatable)")
            p.add_argument("--perturb-rel", type=float, default=1e-5, help="relative size of the perturbation")
        else:
            p.add_argument("--reps", type=int, default=5)
            p.add_argument("--warmup", type=int, default=1)
            p.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    try:
        return cmd_check(args) if args.cmd == "check" else cmd_train(args)
    except (ModelFileError, OSError, KeyError) as e:
        print(f"reference.py: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
