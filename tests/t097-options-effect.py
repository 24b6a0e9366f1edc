#!/usr/bin/env python3
"""Every option a command reads changes what it produces (issue 23).

For each command, the options hycast lists in its own -help blocks (with every term type in -model_terms and
-model_env_terms, and each reaction law, so that every block is in scope) are collected; each must appear in TABLE below,
with a non-default value to try (and, where needed, extra options that make it matter), or as an exemption with its
reason.  A listed option missing from the table fails, and so does a table entry for an option no longer listed.

Every entry runs the command's base invocation (small data, fixed seeds, one base per command and set of extra
options, shared by its entries) and the same with the option, in a directory of its own, and compares what the runs
produced: every output file (NetCDF by its dimensions, variables, values, storage and attributes but for history,
hycast_options and dates; CSV but for timing columns; other files byte for byte; simulate writes its final state with
-simulate_final_view), and for info, whose product is its report, the output with timings and paths taken out.  An
entry marked report=... names an option whose effect is, by its nature, on the printed report only; its runs compare
the printed output as well.  An option FAILS when both runs produced the same (NO EFFECT), or when the run with it fails
where it should not (ERROR).  KNOWN_DEFECTS lists the options accepted without effect whose fixes belong to files of
other branches: reported as KNOWN DEFECT, not counted, until the merge removes them (an entry that has an effect by then
fails, so that the list is kept honest).

Usage: t097-options-effect.py [-k REGEX] [-v] [-j N]   (-k: only entries "cmd option" matching REGEX)"""
import argparse
import concurrent.futures
import csv
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import netCDF4
    import numpy
except ImportError as e:
    print(f"SKIPPED: /usr/bin/python3 lacks {e.name} (make deps installs python3-netcdf4)")
    sys.exit(0)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HYCAST = os.environ.get("HYCAST_BIN") or os.path.join(ROOT, "bin", "hycast")  # tests/run.py gives the hycast under test
MPI = shlex.split(os.environ.get("MPIEXEC", "mpiexec"))


class V:
    """An option to try: its value (a string, split on blanks; '' for a flag without value), the base it needs (a key of
    BASES[cmd]), the number of ranks, the printed report compared as well (report: why that is where its effect
    shows), or the error its value must cause (a regular expression: the option acts by refusing the run)."""

    def __init__(self, value, base="", ranks=1, report=None, error=None):
        self.value, self.base, self.ranks, self.report, self.error = value, base, ranks, report, error


class X:
    """An exemption: the option's effect is by nature not on output."""

    def __init__(self, reason):
        self.reason = reason


TERMS = "advdiff,mlp,meanmlp,fno,reaction,seasonal"
# small versions of every term, visible in a short run
TERM_SIZES = ("-mlp_hidden 4 -mlp_init_scale 1 -meanmlp_hidden 3 -meanmlp_init_scale 1 -fno_width 3 -fno_modes 3,3 "
              "-fno_init_scale 0.5")
ENV_SIZES = ("-env_mlp_hidden 3 -env_mlp_init_scale 1 -env_meanmlp_hidden 2 -env_meanmlp_init_scale 1 -env_fno_width 2 "
             "-env_fno_modes 2,2 -env_fno_init_scale 0.5")
ALLTERMS = f"-model_terms {TERMS} {TERM_SIZES}"
ALLENV = f"-model_terms advdiff -model_envs 1 -model_env_terms {TERMS} {ENV_SIZES}"

# Input files (made by setup() in the scratch folder; "@NAME" in an argument is replaced by its path):
#   D.nc        hycast generate: fhn, 2 environments, 12 x 10 cells (coarsened from 24 x 20), 16 intervals of 0.1 s
#   D1.nc       environment 1 of D.nc alone (hycast extract -data_env 1)
#   E.nc        as D.nc with another seed
#   L.nc        lat-lon, daily (12 days from 2000-01-01), two depth levels, sst, sal and auxiliary u, w; a land cell
#   M.nc        as L.nc, sst with a missing value inside the ocean at one time step;  Laux.nc: L.nc with other u, w
#   grid.yaml   a 8 x 6 grid inside D.nc's domain (forecast -grid)
#   phys.nc     advdiff trained on D.nc;  hyb.nc advdiff,mlp;  envm.nc advdiff + an mlp per environment (2)
#   physL.nc    advdiff trained on L.nc (sst, level 0);  physM.nc on M.nc with -data_fill mean
#   ck1.nc      a training state after one epoch (from the parameters of phys.nc, not the bases' initial ones)
#   fc.nc, fc2.nc   forecasts of phys.nc from D.nc, from steps 4 and 6;  fcL.nc of physL.nc from L.nc
BASES = {
    "simulate": {
        "": "-grid_nx 12 -grid_ny 10 -simulate_steps 2 -simulate_final_view binary:final.bin",
        "vel": "-physics_velocity 0.3,0.2",
        "latlon": "-grid_type latlon -grid_x 0,40 -grid_y 0,30 -physics_diffusivity 1e4 -model_obs_interval 86400",
        "global": "-grid_type latlon -grid_x 0,360 -grid_y -90,90 -grid_nx 24 -grid_ny 12 -physics_diffusivity 1e5 "
                  "-physics_velocity 1,0 -model_obs_interval 2592000",
        "dt": "-physics_velocity 0.3,0.2 -model_dt 0.05",
        "substep": "-physics_velocity 0.3,0.2 -model_dt 0.5 -model_cfl_substep",
        "terms": f"{ALLTERMS} -grid_fields u,v",
        "gs": f"{ALLTERMS} -grid_fields u,v -reaction_type grayscott",
        "logistic": "-model_terms advdiff,reaction -grid_fields u,v -reaction_type logistic",
        "time": f"{ALLTERMS} -grid_fields u,v -mlp_time_period 5 -mlp_trend_scale 3",
        "env": f"{ALLENV} -grid_fields u,v -env_physics_velocity 0.3,0.2",
        "env-gs": f"{ALLENV} -grid_fields u,v -env_reaction_type grayscott",
        "env-logistic": "-model_terms advdiff -model_envs 1 -model_env_terms reaction -grid_fields u,v -env_reaction_type logistic",
        "env-time": f"{ALLENV} -grid_fields u,v -env_mlp_time_period 5 -env_mlp_trend_scale 3",
        "env2": "-model_terms advdiff -model_envs 2 -model_env_terms mlp -env_mlp_hidden 3 -env_mlp_init_scale 1",
        "env2-1": "-model_terms advdiff -model_envs 2 -model_env_terms mlp -env_mlp_hidden 3 -env_mlp_init_scale 1 "
                  "-simulate_env 1",
    },
    "info": {
        "": "-data_file @D.nc",
        "L": "-data_file @L.nc",
        "M": "-data_file @M.nc -data_fill mean",
        "aux": "-data_file @L.nc -data_aux_vars u,w",
    },
    "extract": {
        "": "-data_file @D.nc -o out.nc",
        "L": "-data_file @L.nc",
        "M": "-data_file @M.nc -data_fill mean",
        "aux": "-data_file @L.nc -data_aux_vars u,w",
    },
    "generate": {
        "": "-generate_envs 1 -generate_steps 2 -grid_nx 12 -grid_ny 12 -o g.nc",
        "latlon": "-grid_type latlon",
        "substep": "-physics_velocity 2,1 -model_dt 0.1 -model_cfl_substep",
        "vel": "-physics_velocity 2,1",
        "gs": "-generate_problem grayscott",
        "logistic": "-generate_problem logistic",
    },
    "train": {
        "": "-data_file @D.nc -data_vars u,v -train_epochs 2 -train_window 2 -train_batch 4 -o model.nc",
        "L": "-data_file @L.nc -data_vars sst",
        "M": "-data_file @M.nc -data_vars sst -data_fill mean",
        "dates": "-data_file @L.nc -data_vars sst -data_dates 2000-01-02,2000-01-11",
        "adapt": "-train_envs 1",
        "vel": "-physics_velocity 3,2",
        "substep": "-physics_velocity 3,2 -model_dt 0.1 -model_cfl_substep",
        "envs": "-model_envs 2 -model_env_terms mlp -env_mlp_hidden 3",
        "envs2": "-model_envs 2 -model_env_terms advdiff",
        "envL": "-data_file @L.nc -data_vars sst -model_envs 1 -model_env_terms advdiff",
        "terms": f"{ALLTERMS}",
        "gs": f"{ALLTERMS} -reaction_type grayscott",
        "logistic": "-model_terms advdiff,reaction -reaction_type logistic",
        "time": f"{ALLTERMS} -mlp_time_period 5 -mlp_trend_scale 3 -meanmlp_period 5 -seasonal_period 5",
        "env": f"-model_envs 2 -model_env_terms {TERMS} {ENV_SIZES} -env_physics_velocity 0.3,0.2",
        "env-gs": f"-model_envs 2 -model_env_terms {TERMS} {ENV_SIZES} -env_reaction_type grayscott",
        "env-logistic": "-model_envs 2 -model_env_terms reaction -env_reaction_type logistic",
        "env-time": f"-model_envs 2 -model_env_terms {TERMS} {ENV_SIZES} -env_mlp_time_period 5 -env_mlp_trend_scale 3 "
                    "-env_meanmlp_period 5 -env_seasonal_period 5",
        "flow": "-physics_velocity_learn field",
        "env_flow": "-model_envs 2 -model_env_terms advdiff -env_physics_velocity_learn field",
        "hyb": "-model_terms advdiff,mlp -mlp_hidden 4",
        "aphy": "-model_terms advdiff,mlp -mlp_hidden 4 -train_loss aphynity",
        "leads": "-model_envs 2 -model_env_terms mlp -env_mlp_hidden 3 -train_loss leads",
        "vrex": "-train_loss vrex",
        "cosine": "-train_lr_schedule cosine",
        "exp": "-train_lr_schedule exponential",
    },
    "forecast": {
        "": "-model @phys.nc -data @D.nc -data_vars u,v -forecast_steps 3 -o fc.nc",
        "datafile": "!-data -data_file @D.nc",
        "grid": "-grid @grid.yaml",
        "ens": "-forecast_ensemble 2",
        "envm": "-model @envm.nc",
        "L": "-model @physL.nc -data @L.nc -data_vars sst",
        "M": "-model @physM.nc -data @M.nc -data_vars sst -data_fill mean -forecast_start 3",
    },
    "evaluate": {
        "": "-truth @D.nc -data_vars u,v -models @phys.nc -evaluate_inits 4,10 -evaluate_leads 2 -evaluate_csv s.csv",
        "datafile": "!-truth -data_file @D.nc",
        "fc": "!-models !-evaluate_inits !-evaluate_leads -forecast @fc.nc",
        "envm": "-models @envm.nc",
        # the short truths L and M leave one or two states before the first initial time: too few to fit damped persistence
        "L": "-truth @L.nc -data_vars sst -models @physL.nc -evaluate_inits 1,5 -evaluate_damped false",
        "Ldates": "!-evaluate_inits -truth @L.nc -data_vars sst -models @physL.nc -evaluate_dates 2000-01-05,2000-01-09",
        "Ltime": "-truth @L.nc -data_vars sst -models @physL.nc -evaluate_inits 1,5 -evaluate_damped false",
        "M": "-truth @M.nc -data_vars sst -data_fill mean -models @physM.nc -evaluate_inits 2,8 -evaluate_damped false",
        "Lfc": "!-models !-evaluate_inits !-evaluate_leads -truth @L.nc -data_vars sst -forecast @fcL.nc "
               "-evaluate_climatology_dates 2000-01-01,2000-01-03 -evaluate_damped false",
    },
}

ADJOINT = "configures the adjoint (memory, checkpoints), which a forward run never uses (train covers it)"
SAME = "performance only: the same numbers by design (tests fast-paths, physics-products, mlp-products)"
NOCYCLE = ("where the cycle's phases lie: its values come from training data (train covers it); without data the cycle "
           "is 0 at every phase")
LEARNCYCLE = "whether training learns the cycle: no training here (train covers it)"
LEARNFLOW = ("a learned velocity correction starts at zero and only training moves it or weighs its roughness (train "
             "covers it)")


def term_entries(pre, base, time_base, gs_base, logistic_base, data=True):
    """The entries of every term type's options, with prefix pre ('' or 'env_') on the given bases; data: the command
    fits the model to data (the cycles have values, -seasonal_learn_cycle acts)."""
    return {
        f"-{pre}physics_scheme": V("centered", base),
        f"-{pre}physics_diffusivity": V("5e-3", base),
        f"-{pre}physics_velocity": V("0.2,-0.1", base),
        f"-{pre}physics_velocity_learn": V("field", base) if data else X(LEARNFLOW),
        f"-{pre}physics_velocity_smooth": V("1", f"{pre}flow") if data else X(LEARNFLOW),
        f"-{pre}physics_fast_path": X(SAME),
        f"-{pre}physics_overlap": X(SAME),
        f"-{pre}mlp_hidden": V("5", base),
        f"-{pre}mlp_activation": V("relu", base),
        f"-{pre}mlp_static": V("mask,lat,lon", base),
        f"-{pre}mlp_time_period": V("5", base),
        f"-{pre}mlp_time_origin": V("2", time_base),
        f"-{pre}mlp_trend_scale": V("3", base),
        f"-{pre}mlp_trend_origin": V("1", time_base),
        f"-{pre}mlp_feature_scale": V("1,0.5,0.1", base),
        f"-{pre}mlp_output_scale": V("3", base),
        f"-{pre}mlp_seed": V("7", base),
        f"-{pre}mlp_init_scale": V("0.3", base),
        f"-{pre}mlp_row_blocks": X(SAME),
        f"-{pre}meanmlp_hidden": V("4", base),
        f"-{pre}meanmlp_activation": V("relu", base),
        f"-{pre}meanmlp_phases": V("4", base) if data else X(NOCYCLE),
        f"-{pre}meanmlp_period": V("5", base) if data else X(NOCYCLE),
        f"-{pre}meanmlp_origin": V("1", time_base) if data else X(NOCYCLE),
        f"-{pre}meanmlp_input_scale": V("3", base),
        f"-{pre}meanmlp_output_scale": V("3", base),
        f"-{pre}meanmlp_seed": V("5", base),
        f"-{pre}meanmlp_init_scale": V("0.3", base),
        f"-{pre}fno_width": V("4", base),
        f"-{pre}fno_modes": V("1,1", base),
        f"-{pre}fno_activation": V("relu", base),
        f"-{pre}fno_seed": V("3", base),
        f"-{pre}fno_init_scale": V("0.2", base),
        f"-{pre}fno_output_scale": V("3", base),
        f"-{pre}fno_fftw_plan": X(SAME),
        f"-{pre}reaction_type": V("grayscott", base),
        f"-{pre}reaction_fhn_k": V("0.5", base),
        f"-{pre}reaction_fhn_eps": V("2", base),
        f"-{pre}reaction_gs_feed": V("0.05", gs_base),
        f"-{pre}reaction_gs_kill": V("0.07", gs_base),
        f"-{pre}reaction_logistic_rate": V("1.5", logistic_base),
        f"-{pre}reaction_logistic_capacity": V("2", logistic_base),
        f"-{pre}seasonal_phases": V("4", base) if data else X(NOCYCLE),
        f"-{pre}seasonal_period": V("5", base) if data else X(NOCYCLE),
        f"-{pre}seasonal_origin": V("1", time_base) if data else X(NOCYCLE),
        f"-{pre}seasonal_rate": V("0.5", base),
        f"-{pre}seasonal_learn_cycle": V("0", base) if data else X(LEARNCYCLE),
    }


# train, forecast and evaluate refuse auxiliary fields (a velocity that drives the physics is -physics_velocity_vars):
# never accepted and ignored
AUXERR = r"auxiliary fields .*drive nothing"


def reader_entries(cmd, vars_value="u", vars_error=None, time_range="0,14", aux_error=None):
    """The reader's options (-data_*); aux_error: the commands that refuse auxiliary fields (they drive nothing yet)."""
    return {
        "-data_file": V("@E.nc", "datafile" if "datafile" in BASES[cmd] else ""),
        "-data_vars": V(vars_value, error=vars_error),
        "-data_box": V("-0.5,0.5,-0.6,0.6"),
        "-data_time_range": V(time_range),
        "-data_dates": V("2000-01-02,2000-01-11", "L"),
        "-data_level": V("1", "L"),
        "-data_env": V("1"),
        "-data_stride": V("2"),
        "-data_fill": V("zero", "M"),
        "-data_aux_file": V("@Laux.nc", "" if aux_error else "aux", error=aux_error),
        "-data_aux_vars": V("u,w", "L", error=aux_error),
        "-data_periodic": V("none"),
        "-data_view": V("", report="prints what the reader found"),
        # every input here has time units: the option is refused rather than ignored (reader-time-units tests its use)
        "-data_time_units": V("days since 2000-01-01", error=r"-data_time_units"),
        # the roles of the inputs' dimensions swapped: x read as y and y as x (reader-files tests a dimension without them)
        "-data_dims": V("x=y,y=x"),
    }


WRITER = {"-writer_precision": V("single"), "-writer_deflate": V("0")}
GRID = {
    "-grid_type": V("latlon"),
    "-grid_nx": V("14"),
    "-grid_ny": V("8"),
    "-grid_x": V("0,2"),
    "-grid_y": V("0,3"),
    "-grid_periodic_x": V("1", "vel"),
    "-grid_periodic_y": V("1", "vel"),
    "-grid_radius": V("3e6", "latlon"),
    "-grid_fields": V("a,b"),
    "-grid_procs": X("the MPI process grid: one layout on one rank; results do not depend on it (grid, regrid tests)"),
    "-grid_land_boxes": V("0,0.3,0,0.3"),
    "-grid_view": V("", report="prints a summary of the grid"),
}

TABLE = {
    "simulate": {
        "-grid_type": V("latlon"),
        "-grid_nx": V("14"),
        "-grid_ny": V("8"),
        "-grid_x": V("0,2"),
        "-grid_y": V("0,3"),
        "-grid_periodic_x": V("1", "vel"),
        "-grid_periodic_y": V("1", "vel"),
        "-grid_radius": V("3e6", "latlon"),
        "-grid_fields": V("a,b"),
        "-grid_procs": X("the MPI process grid: one layout on one rank; results do not depend on it (grid, regrid tests)"),
        "-grid_land_boxes": V("0,0.3,0,0.3"),
        "-grid_view": V("", report="prints a summary of the grid"),
        "-simulate_steps": V("3"),
        "-simulate_blob_center": V("0.3,0.6"),
        "-simulate_blob_width": V("0.05"),
        "-simulate_blob_amplitude": V("2"),
        "-simulate_env": V("1", "env2"),
        "-model_terms": V("advdiff,mlp"),
        "-model_obs_interval": V("0.5"),
        "-model_dt": V("0.1"),
        "-model_cfl_safety": V("0.3", "vel"),
        "-model_adjoint_stride": X(ADJOINT),
        "-model_envs": V("1", "env2-1", error=r"-simulate_env 1: the model has 1 environment"),
        "-model_env_terms": V("mlp,advdiff", "env2"),
        "-model_max_substeps": V("1", "vel", error=r"RK steps|substeps"),
        "-model_adjoint_memory": X(ADJOINT),
        "-model_adjoint_cache": X(ADJOINT),
        "-model_cfl_check": V("0", "substep"),
        "-model_cfl_substep": V("0", "substep", error=r"above the stability limit"),
        "-model_polar_filter": V("45", "global"),
        **term_entries("", "terms", "time", "gs", "logistic", data=False),
        **term_entries("env_", "env", "env-time", "env-gs", "env-logistic", data=False),
        # a velocity from data: simulate has none to give (train covers it)
        "-physics_velocity_vars": V("u,w", error=r"no velocity forcing for data environment 0"),
        "-env_physics_velocity_vars": V("u,w", "env-gs", error=r"no velocity forcing for data environment 0"),
        "-physics_scheme": V("centered", "vel"),
    },
    "info": {"-var": V("u"), **reader_entries("info")},
    "extract": {"-o": V("other.nc"), **reader_entries("extract"), **WRITER},
    "generate": {
        "-o": V("h.nc"),
        "-generate_problem": V("logistic"),
        "-generate_envs": V("2"),
        "-generate_hidden": V("0"),
        "-generate_steps": V("3"),
        "-generate_coarsen": V("3"),
        "-generate_seed": V("2"),
        "-generate_spread": V("0.5"),
        "-generate_velocity_spread": V("0.2"),
        "-physics_velocity_vars": V("u,w", error=r"no velocity forcing for data environment 0"),
        **GRID,
        "-grid_periodic_x": V("0"),
        "-grid_periodic_y": V("0"),
        "-grid_x": V("-2,2"),
        "-grid_y": V("-2,1"),
        "-grid_land_boxes": V("-1,-0.5,-1,-0.5"),
        "-model_obs_interval": V("0.05"),
        "-model_dt": V("0.01"),
        "-model_cfl_safety": V("0.3", "vel"),
        "-model_adjoint_stride": X(ADJOINT),
        "-model_max_substeps": V("1", "vel", error=r"RK steps|substeps"),
        "-model_adjoint_memory": X(ADJOINT),
        "-model_adjoint_cache": X(ADJOINT),
        "-model_cfl_check": V("0", "substep"),
        "-model_cfl_substep": V("0", "substep", error=r"above the stability limit"),
        "-model_polar_filter": V("45", error=r"the polar filter works on rows that go round the globe"),
        "-physics_scheme": V("centered"),
        "-physics_diffusivity": V("5e-3"),
        "-physics_velocity": V("0.3,0.1"),
        "-physics_velocity_learn": V("field", error=r"learns a velocity correction"),
        "-physics_velocity_smooth": X("weighs a learned correction's roughness in training; generate refuses a learned "
                                      "correction (-physics_velocity_learn)"),
        "-physics_fast_path": X(SAME),
        "-physics_overlap": X(SAME),
        "-reaction_type": V("logistic", error=r"differs from the problem"),
        "-reaction_fhn_k": V("0.01"),
        "-reaction_fhn_eps": V("2"),
        "-reaction_gs_feed": V("0.05", "gs"),
        "-reaction_gs_kill": V("0.07", "gs"),
        "-reaction_logistic_rate": V("2", "logistic"),
        "-reaction_logistic_capacity": V("2", "logistic"),
        **WRITER,
    },
    "train": {
        "-o": V("other.nc"),
        "-train_data": V("@D1.nc"),
        "-train_envs": V("1"),
        "-train_groups": X("parallel layout: groups of ranks share each batch's windows, the same training by design "
                           "(train-groups-cli)"),
        "-adapt": V("@envm.nc", "adapt"),
        "-train_init": V("@phys.nc"),
        **reader_entries("train", aux_error=AUXERR),
        "-model_terms": V("advdiff,mlp"),
        "-model_obs_interval": V("0.5", error=r"train takes the observation intervals from the data"),
        "-model_dt": V("0.02"),
        "-model_cfl_safety": V("0.3", "vel"),
        "-model_adjoint_stride": X("memory only: checkpoints recompute the same states, the same gradients by design "
                                   "(adjoint-stride, invariance-stride)"),
        "-model_envs": V("3", "envs", error=r"the model has terms for 3 environments"),
        "-model_env_terms": V("mlp", "envs2"),
        "-model_max_substeps": V("1", "vel", error=r"RK steps|substeps"),
        "-model_adjoint_memory": V("1e-9", error=r"adjoint|memory"),
        "-model_adjoint_cache": X("time only: the forward run's linearisations kept for the adjoint, the same gradients "
                                  "by design (adjoint-cache tests)"),
        "-model_cfl_check": V("0", "substep"),
        "-model_cfl_substep": V("0", "substep", error=r"above the stability limit"),
        "-model_polar_filter": V("45", error=r"the polar filter works on rows that go round the globe"),
        **term_entries("", "terms", "time", "gs", "logistic"),
        **term_entries("env_", "env", "env-time", "env-gs", "env-logistic"),
        "-physics_velocity_vars": V("u,w", "L"),
        "-env_physics_velocity_vars": V("u,w", "envL"),
        "-physics_scheme": V("centered", "vel"),
        "-physics_diffusivity": V("5e-3"),
        "-physics_velocity": V("0.2,-0.1"),
        "-train_loss": V("vrex"),
        "-train_window": V("3"),
        "-train_window_stride": V("2"),
        "-train_split": V("0.5,0.2"),
        "-train_batch": V("2"),
        "-train_max_windows": V("3"),
        "-train_epochs": V("3"),
        "-train_optimizer": V("tao"),
        "-train_lr": V("0.05"),
        "-train_lr_schedule": V("cosine"),
        "-train_lr_min": V("1e-3", "cosine"),
        "-train_lr_decay": V("0.5", "exp"),
        "-train_clip": V("1e-3"),
        "-train_adam_beta1": V("0.5"),
        "-train_adam_beta2": V("0.9"),
        "-train_aphynity_lambda": V("3", "aphy"),
        "-train_aphynity_tau": V("3", "aphy"),
        "-train_leads_penalty": V("1", "leads"),
        "-train_vrex_beta": V("1", "vrex"),
        "-train_seed": V("5"),
        "-train_normalize": V("0"),
        "-train_params": V("physics", "hyb"),
        "-train_checkpoint": V("ck.nc"),
        "-train_checkpoint_every": X("crash safety: how often the state is saved during a run; a run that ends saves its "
                                     "final state either way (train-sigterm-resume checks the checkpoints)"),
        "-train_resume": V("@ck1.nc"),
        "-train_log": V("log.csv"),
        "-train_monitor": V("", report="prints a line per batch"),
    },
    "forecast": {
        "-model": V("@hyb.nc"),
        "-data": V("@E.nc", "datafile"),
        "-grid": V("@grid.yaml"),
        "-forecast_regrid": V("conservative", "grid"),
        "-forecast_start": V("4"),
        "-forecast_date": V('"2000-01-04 00:00:00"', "L"),
        "-forecast_steps": V("2"),
        "-forecast_interval": V("0.05"),
        "-forecast_ensemble": V("2"),
        "-forecast_perturbation": V("0.1", "ens"),
        "-forecast_seed": V("4", "ens"),
        "-forecast_env": V("1", "envm"),
        "-o": V("other.nc"),
        **reader_entries("forecast", vars_value="v,u", vars_error=r"trained on field", time_range="2,12", aux_error=AUXERR),
        **WRITER,
    },
    "evaluate": {
        "-truth": V("@E.nc"),
        "-models": V("@hyb.nc"),
        "-evaluate_labels": V("phys"),
        "-forecast": V("@fc2.nc", "fc"),
        "-evaluate_dates": V("2000-01-04,2000-01-08", "Ldates"),
        "-evaluate_inits": V("5,9"),
        "-evaluate_leads": V("3"),
        # both modes: hindcasts of models, and forecast files (where the period's end is the one that changes)
        "-evaluate_climatology_dates": [V("2000-01-01,2000-01-10", "Ldates"), V("2000-01-01,2000-01-05", "Lfc")],
        "-evaluate_damped": V("false"),
        "-evaluate_csv": V("other.csv"),
        "-evaluate_per_init": V("per-init.csv"),
        "-evaluate_box": V("-0.5,0.5,-0.6,0.6"),
        "-evaluate_env": V("1", "envm"),
        **reader_entries("evaluate", vars_value="v,u", time_range="1,15", aux_error=AUXERR),
    },
}

KNOWN_DEFECTS = {}


# ---------------------------------------------------------------- running and comparing

def serial_env():
    env = dict(os.environ)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


ENV = serial_env()
# a serial run is an MPI singleton: without a daemon and with shared memory only, its start takes a third of the time
ENV1 = dict(ENV, OMPI_MCA_ess_singleton_isolated="1", OMPI_MCA_btl="self", OMPI_MCA_pml="ob1")


class Scratch:
    def __init__(self):
        os.makedirs(os.path.join(ROOT, "build", "tests"), exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="t097-", dir=os.path.join(ROOT, "build", "tests"))
        self.n = 0

    def rundir(self):
        self.n += 1
        d = os.path.join(self.dir, f"run{self.n:04d}")
        os.makedirs(d)
        return d

    def path(self, name):
        return os.path.join(self.dir, name)


S = None


def expand(args):
    return [re.sub(r"@([A-Za-z0-9_.-]+)", lambda m: S.path(m.group(1)), a) for a in args]


def hycast(cmd, args, cwd, ranks=1, timeout=120):
    argv = ([*MPI, "-n", str(ranks)] if ranks > 1 else []) + [HYCAST, cmd] + expand(args)
    for attempt in range(3):
        try:
            p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=ENV1 if ranks == 1 else ENV,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return -999, f"[timed out after {timeout} s]", argv
        out = p.stdout + p.stderr
        # MPI itself failing to start (a busy machine) is not the command's doing: try again
        if p.returncode == 0 or "before MPI_INIT completed" not in out:
            break
    return p.returncode, out, argv


TIMING = [
    (re.compile(r"\(\S+ cell updates per second\)"), "(<rate>)"),
    (re.compile(r"\b\d+(\.\d+)?([eE][-+]?\d+)?\s?s(/epoch)?\b"), "<time>"),
    (re.compile(r"ETA \S+"), "ETA <time>"),
]


def normalise(text, cwd):
    text = text.replace(cwd, "<RUN>").replace(S.dir, "<TMP>")
    for rx, rep in TIMING:
        text = rx.sub(rep, text)
    return text


SKIP_ATTRS = {"history", "hycast_options", "date_created", "date_modified"}


def netcdf_signature(path):
    h = hashlib.sha1()
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_mask(False)
        ds.set_auto_scale(False)

        def walk(g):
            h.update(repr(sorted((k, len(d)) for k, d in g.dimensions.items())).encode())
            for k in sorted(g.ncattrs()):
                if k not in SKIP_ATTRS:
                    h.update(f"{k}={g.getncattr(k)!r}".encode())
            for name in sorted(g.variables):
                v = g.variables[name]
                h.update(f"{name}{v.dimensions}{v.dtype}".encode())
                h.update(repr(v.filters()).encode())
                for k in sorted(v.ncattrs()):
                    h.update(f"{k}={v.getncattr(k)!r}".encode())
                h.update(numpy.ascontiguousarray(v[...]).tobytes())
            for name in sorted(g.groups):
                walk(g.groups[name])

        walk(ds)
    return "netcdf:" + h.hexdigest()


TIMING_COLUMNS = {"seconds", "time_s", "elapsed"}


def csv_signature(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    keep = [k for k, name in enumerate(rows[0] if rows else []) if name not in TIMING_COLUMNS]
    return "csv:" + hashlib.sha1(repr([[r[k] for k in keep if k < len(r)] for r in rows]).encode()).hexdigest()


def signature(path):
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:3] == b"CDF" or head[:4] == b"\x89HDF":
        try:
            return netcdf_signature(path)
        except OSError:  # unreadable as NetCDF: its bytes
            pass
    if path.endswith(".csv"):
        return csv_signature(path)
    with open(path, "rb") as f:
        return "bytes:" + hashlib.sha1(f.read()).hexdigest()


def products(cwd):
    out = {}
    for dirpath, _, files in os.walk(cwd):
        for name in files:
            p = os.path.join(dirpath, name)
            out[os.path.relpath(p, cwd)] = signature(p)
    return out


class Run:
    def __init__(self, cmd, args, ranks=1):
        self.cmd, self.args, self.ranks = cmd, args, ranks
        self.cwd = S.rundir()
        t0 = time.time()
        self.code, out, self.argv = hycast(cmd, args, self.cwd, ranks)
        self.seconds = time.time() - t0
        self.raw = out
        self.text = normalise(out, self.cwd)
        self._files = None

    @property
    def files(self):
        """The signatures of the files the run wrote (computed in the main thread: HDF5 is not thread-safe)."""
        if self._files is None:
            self._files = products(self.cwd) if self.code == 0 else {}
        return self._files

    def failed(self):
        return self.code != 0

    def tail(self, n=3):
        lines = [l for l in self.raw.strip().splitlines() if l.strip()]
        return " | ".join(lines[-n:])


def is_option(word):
    return re.match(r"^-[a-zA-Z]", word) is not None


def groups(args):
    """[(option, [values])] of an argument list (a value may start with '-': a negative number)."""
    out = []
    for w in args:
        if is_option(w) or w.startswith("!-"):
            out.append((w, []))
        elif out:
            out[-1][1].append(w)
        else:
            out.append((w, []))
    return out


def merge(args, extra):
    """args with the options of extra set (replacing the same options of args); '!-opt' in extra removes -opt."""
    g = groups(args)
    for opt, vals in groups(extra):
        if opt.startswith("!"):
            g = [(o, v) for o, v in g if o != opt[1:]]
        elif any(o == opt for o, _ in g):
            g = [(o, vals if o == opt else v) for o, v in g]
        else:
            g.append((opt, vals))
    return [w for o, v in g for w in [o] + v]


def base_args(cmd, base):
    return merge(shlex.split(BASES[cmd][""]), shlex.split(BASES[cmd][base]) if base else [])


def with_option(args, option, value):
    """args with the option set to value (replacing the base's own setting of it, if any)."""
    return merge(args, [option] + (shlex.split(value) if value != "" else []))


def differences(a, b, report):
    """What differs between runs a and b, or None."""
    diffs = []
    if a.files != b.files:
        names = sorted(set(a.files) | set(b.files))
        diffs.append("files " + ", ".join(n for n in names if a.files.get(n) != b.files.get(n)))
    if (report or a.cmd == "info") and a.text != b.text:
        diffs.append("output")
    return "; ".join(diffs) or None


# ---------------------------------------------------------------- the options each command lists

def listed_options(cmd, args):
    """The options of hycast's blocks in CMD -help ARGS."""
    cwd = S.rundir()
    code, out, _ = hycast(cmd, ["-help"] + args, cwd)
    names, hy, lines = [], False, out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("-" * 40) and i + 1 < len(lines):
            title = lines[i + 1]
            hy = title.startswith("hycast ") or "(Hc" in title
            continue
        m = re.match(r"^  (-[a-z][a-z0-9_]*)[ :]", line)
        if m and hy and m.group(1) not in names:
            names.append(m.group(1))
    return code, out, names


def help_invocations(cmd):
    every = f"-model_terms {TERMS} -model_envs 1 -model_env_terms {TERMS} -fno_modes 3,3 -env_fno_modes 3,3"
    laws = [f"-reaction_type {k} -env_reaction_type {k}" for k in ("fhn", "grayscott", "logistic")]
    if cmd == "simulate":
        small = "-grid_nx 12 -grid_ny 10 -simulate_steps 1"
        return [small] + [f"{small} -grid_fields u,v {every} {law}" for law in laws]
    if cmd == "train":
        return [""] + [f"{every} {law} {opt}" for law in laws for opt in ("", "-train_optimizer tao")]
    if cmd == "generate":
        return [f"-grid_nx 8 -grid_ny 8 -generate_steps 1 -generate_envs 1 -o h.nc -generate_problem {k}"
                for k in ("fhn", "grayscott", "logistic")]
    return [""]


COMMANDS = ["simulate", "info", "extract", "generate", "train", "forecast", "evaluate"]


# ---------------------------------------------------------------- inputs

def make_latlon(path, missing=False, aux_scale=1.0):
    """A small lat-lon file: daily sst on two depth levels (a land cell), a second variable, auxiliary u, w."""
    nt, nz, ny, nx = 12, 2, 6, 8
    t, z = numpy.arange(nt), numpy.array([5.0, 50.0])
    lat, lon = 10.0 + 5 * numpy.arange(ny), 5.0 * numpy.arange(nx)
    T, Z, Y, Xc = numpy.meshgrid(t, z, lat, lon, indexing="ij")
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("time", None)
        ds.createDimension("depth", nz)
        ds.createDimension("lat", ny)
        ds.createDimension("lon", nx)
        v = ds.createVariable("time", "f8", ("time",))
        v.units, v.calendar = "days since 2000-01-01", "standard"
        v[:] = t
        v = ds.createVariable("depth", "f4", ("depth",))
        v.units, v.positive = "m", "down"
        v[:] = z
        v = ds.createVariable("lat", "f4", ("lat",))
        v.units, v.standard_name = "degrees_north", "latitude"
        v[:] = lat
        v = ds.createVariable("lon", "f4", ("lon",))
        v.units, v.standard_name = "degrees_east", "longitude"
        v[:] = lon
        fields = {"sst": 10 + 0.2 * Y + 3 * numpy.sin(numpy.radians(8 * Xc)) + 0.5 * T - 0.05 * Z + 0.3 * numpy.cos(T + Y),
                  "sal": 35 + 0.01 * Y - 0.02 * Xc + 0.1 * T}
        for name, a in fields.items():
            v = ds.createVariable(name, "f4", ("time", "depth", "lat", "lon"), fill_value=-999.0)
            a = numpy.ma.masked_array(a, mask=numpy.zeros(a.shape, bool))
            a.mask[:, :, 0, 0] = True
            if missing and name == "sst":
                a.mask[3, 0, 2, 3] = True
            v[:] = a
        for name, f in (("u", 0.1), ("w", -0.05)):
            v = ds.createVariable(name, "f4", ("time", "lat", "lon"), fill_value=-999.0)
            a = numpy.ma.masked_array(aux_scale * f * numpy.cos(numpy.radians(8 * Xc[:, 0] + Y[:, 0])),
                                      mask=numpy.zeros((nt, ny, nx), bool))
            a.mask[:, 0, 0] = True
            v.units = "m s-1"
            v[:] = a


def setup():
    """The input files (see BASES)."""
    def run(cmd, args):
        code, out, argv = hycast(cmd, shlex.split(args), S.dir)
        if code:
            sys.exit(f"FAILED: setting up the inputs: {' '.join(argv)}\n{out}")

    t0 = time.time()
    run("generate", "-generate_envs 2 -generate_steps 16 -grid_nx 24 -grid_ny 20 -o D.nc")
    run("generate", "-generate_envs 2 -generate_steps 16 -grid_nx 24 -grid_ny 20 -generate_seed 2 -o E.nc")
    run("extract", "-data_file @D.nc -data_env 1 -o D1.nc")
    make_latlon(S.path("L.nc"))
    make_latlon(S.path("M.nc"), missing=True)
    make_latlon(S.path("Laux.nc"), aux_scale=3.0)
    with open(S.path("grid.yaml"), "w") as f:
        f.write("grid:\n  type: cartesian\n  nx: 8\n  ny: 6\n  x: [-0.9, 0.9]\n  y: [-0.9, 0.9]\n  fields: [u, v]\n")
    train = "-train_epochs 2 -train_window 2 -train_batch 4"
    run("train", f"-data_file @D.nc -data_vars u,v {train} -o @phys.nc")
    run("train", f"-data_file @D.nc -data_vars u,v {train} -model_terms advdiff,mlp -mlp_hidden 4 -o @hyb.nc")
    run("train", f"-data_file @D.nc -data_vars u,v {train} -model_envs 2 -model_env_terms mlp -env_mlp_hidden 3 "
                 "-o @envm.nc")
    # a state after one epoch from other initial parameters (a state resumes only its own configuration, and the
    # initial parameters are not part of it): resumed, the second epoch starts elsewhere than the base's
    run("train", "-data_file @D.nc -data_vars u,v -train_epochs 1 -train_window 2 -train_batch 4 -train_init @phys.nc "
                 "-train_checkpoint @ck1.nc -o @ck-model.nc")
    run("train", f"-data_file @L.nc -data_vars sst {train} -o @physL.nc")
    run("train", f"-data_file @M.nc -data_vars sst -data_fill mean {train} -o @physM.nc")
    run("forecast", "-model @phys.nc -data @D.nc -data_vars u,v -forecast_start 4 -forecast_steps 3 -o @fc.nc")
    run("forecast", "-model @phys.nc -data @D.nc -data_vars u,v -forecast_start 6 -forecast_steps 3 -o @fc2.nc")
    run("forecast", "-model @physL.nc -data @L.nc -data_vars sst -forecast_start 6 -forecast_steps 3 -o @fcL.nc")
    print(f"inputs made in {time.time() - t0:.0f} s")


def main():
    global S
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", dest="pattern")
    ap.add_argument("-v", dest="verbose", action="store_true")
    ap.add_argument("-j", dest="jobs", type=int, default=int(os.environ.get("T097_JOBS", "3")))
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args()
    start = time.time()
    S = Scratch()
    failures = []

    print("options listed by -help (hycast's blocks):")
    listed = {}
    for cmd in COMMANDS:
        if cmd not in TABLE:
            continue
        names = []
        for inv in help_invocations(cmd):
            code, out, found = listed_options(cmd, shlex.split(inv))
            if code != 0:
                failures.append(f"{cmd} -help {inv}: exit status {code}")
                print(f"  ERROR {cmd} -help {inv}: {out.strip().splitlines()[-1:]}")
            names += [n for n in found if n not in names]
        listed[cmd] = names
        missing = [n for n in names if n not in TABLE[cmd]]
        stale = [n for n in TABLE[cmd] if n not in names]
        print(f"  {cmd:9s} {len(names):4d} options")
        for n in missing:
            failures.append(f"{cmd} {n}: listed by -help, not in the table")
            print(f"  MISSING {cmd} {n}: listed by -help, not in the table of tests/t097-options-effect.py")
        for n in stale:
            failures.append(f"{cmd} {n}: in the table, no longer listed by -help")
            print(f"  STALE   {cmd} {n}: in the table, no longer listed by -help")

    setup()
    entries = []
    for cmd in COMMANDS:
        for opt, es in TABLE.get(cmd, {}).items():
            if args.pattern and not re.search(args.pattern, f"{cmd} {opt}"):
                continue
            for k, e in enumerate(es if isinstance(es, list) else [es]):
                entries.append((cmd, opt, e, k))
    bases = {}
    for cmd, opt, e, _ in entries:
        if isinstance(e, V):
            bases.setdefault((cmd, e.base, e.ranks), None)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = {key: pool.submit(Run, key[0], base_args(key[0], key[1]), key[2]) for key in bases}
        for key, f in futs.items():
            bases[key] = f.result()
        tries = {}
        for cmd, opt, e, k in entries:
            if isinstance(e, V):
                b = bases[(cmd, e.base, e.ranks)]
                if not b.failed():
                    tries[(cmd, opt, k)] = pool.submit(Run, cmd, with_option(b.args, opt, e.value), e.ranks)
        counts = {"ok": 0, "exempt": 0, "known": 0, "fail": 0}
        print(f"\n{len(entries)} entries, {len(bases)} base runs:")
        for cmd, opt, e, k in entries:
            label = f"{cmd} {opt}" + (f" ({e.base})" if k else "")
            if isinstance(e, X):
                counts["exempt"] += 1
                print(f"  exempt       {label:40s} {e.reason}")
                continue
            b = bases[(cmd, e.base, e.ranks)]
            known = KNOWN_DEFECTS.get((cmd, opt, e.base) if k else (cmd, opt))
            if b.failed():
                status, why = "ERROR", f"the base run failed: {b.tail()}  [{' '.join(b.argv)}]"
            else:
                r = tries[(cmd, opt, k)].result()
                if e.error:
                    if r.failed() and re.search(e.error, r.raw, re.M):
                        status, why = "ok", "refused as it should be"
                    elif r.failed():
                        status, why = "ERROR", f"failed, but not with /{e.error}/: {r.tail()}"
                    else:
                        status, why = "NO EFFECT", f"ran; expected an error /{e.error}/"
                elif r.failed():
                    status, why = "ERROR", f"{r.tail()}  [{' '.join(shlex.quote(a) for a in r.argv)}]"
                else:
                    d = differences(b, r, e.report)
                    status, why = ("ok", d) if d else ("NO EFFECT", f"same {'output and ' if e.report else ''}files "
                                                                    f"as the base  [{' '.join(shlex.quote(a) for a in r.argv)}]")
            if known and status == "NO EFFECT":
                counts["known"] += 1
                print(f"  KNOWN DEFECT {label:40s} {known}")
                continue
            if known and status == "ok":
                status, why = "FIXED", f"has an effect now ({why}): remove it from KNOWN_DEFECTS"
            if status == "ok":
                counts["ok"] += 1
                print(f"  ok           {label:40s} {why if args.verbose else ''}".rstrip())
            else:
                counts["fail"] += 1
                failures.append(f"{label}: {status}")
                print(f"  {status:12s} {label:40s} {why}")
    elapsed = time.time() - start
    print(f"\n{counts['ok']} ok, {counts['fail']} failed, {counts['known']} known defects, {counts['exempt']} exempt "
          f"({len(bases)} base runs, {elapsed:.0f} s)")
    if not args.keep:
        shutil.rmtree(S.dir, ignore_errors=True)
    if failures:
        print("FAILED: " + "; ".join(failures[:20]) + (" ..." if len(failures) > 20 else ""))
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
