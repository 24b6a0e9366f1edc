#!/usr/bin/env bash
# hycast generate: 4 environments written with an environment dimension and true-coefficient attributes (ncdump -h);
# both files open with hycast info (-data_env selects an environment); the coarse file is the area-weighted average of
# the fine one (t058, on 2 ranks); generating on 2 ranks writes the values of 1 rank; the other problems run too.
set -u
cd "$(dirname "$0")/.."
HYCAST=${HYCAST_BIN:-bin/hycast}  # the hycast under test (tests/run.py sets HYCAST_BIN; SANITIZE=1 builds its own)
MPIEXEC=${MPIEXEC:-mpiexec}
BUILD=${HYCAST_BUILD:-build}  # the build directory of the test binaries (tests/run.py sets it)
mkdir -p build/tests
tmp=$(mktemp -d build/tests/generate.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi; }

out=$("$HYCAST" generate -generate_envs 4 -o "$tmp/gen.nc" -grid_land_boxes -0.3,0.3,-0.2,0.4 2>&1); code=$?
echo "$out"
check "hycast generate exits 0 and writes the fine and the coarse file" '[ $code = 0 ] && [ -s "$tmp/gen.nc" ] && [ -s "$tmp/gen-fine.nc" ]'
hdr=$(ncdump -h "$tmp/gen.nc")
check "environment dimension: env = 4" 'echo "$hdr" | grep -q "env = 4 ;"'
check "fields u(env, time, y, x), v(env, time, y, x)" 'echo "$hdr" | grep -q "double u(env, time, y, x)" && echo "$hdr" | grep -q "double v(env, time, y, x)"'
for a in true_physics_log_diffusivity_u true_physics_diffusivity_v true_physics_velocity_x true_physics_velocity_y true_reaction_fhn_k \
         true_reaction_fhn_eps; do
  check "attribute $a: one value per environment" 'echo "$hdr" | grep -Eq ":$a = [^,]+, [^,]+, [^,]+, [^,;]+ ;"'
done
check "the equations and the problem are recorded" 'echo "$hdr" | grep -q ":hycast_equations = \"du/dt" && echo "$hdr" | grep -q ":hycast_problem = \"fhn\""'
info=$("$HYCAST" info "$tmp/gen.nc" 2>&1); code=$?
check "hycast info opens the coarse file: 4 environments, Cartesian 32 x 32, periodic" \
  '[ $code = 0 ] && echo "$info" | grep -q "environments: 4" && echo "$info" | grep -q "cartesian, 32 x 32" && echo "$info" | grep -q "periodic"'
info=$("$HYCAST" info "$tmp/gen-fine.nc" -data_env 3 2>&1); code=$?
check "hycast info -data_env 3 reads environment 3 of the fine file (64 x 64)" \
  '[ $code = 0 ] && echo "$info" | grep -q "reading environment 3" && echo "$info" | grep -q "64 x 64"'
res=$($MPIEXEC -n 2 "$BUILD/tests/t058-generate-check" -t_fine "$tmp/gen-fine.nc" -t_coarse "$tmp/gen.nc" 2>&1)
echo "$res" | sed 's/^/    | /'
check "coarse = area-weighted average of fine (t058 on 2 ranks)" 'echo "$res" | grep -q "^PASSED"'
"$HYCAST" generate -generate_envs 2 -generate_steps 5 -o "$tmp/s1.nc" > /dev/null 2>&1
$MPIEXEC -n 2 "$HYCAST" generate -generate_envs 2 -generate_steps 5 -o "$tmp/s2.nc" > /dev/null 2>&1
check "generate on 2 ranks writes bitwise the values of 1 rank (ncdump -p 17 of u, v, fine and coarse)" \
  'cmp -s <(ncdump -p 9,17 -v u,v "$tmp/s1-fine.nc" | sed -n "/^data:/,\$p") <(ncdump -p 9,17 -v u,v "$tmp/s2-fine.nc" | sed -n "/^data:/,\$p") &&
   cmp -s <(ncdump -p 9,17 -v u,v "$tmp/s1.nc" | sed -n "/^data:/,\$p") <(ncdump -p 9,17 -v u,v "$tmp/s2.nc" | sed -n "/^data:/,\$p")'
for p in grayscott logistic; do
  out=$("$HYCAST" generate -generate_problem $p -generate_envs 2 -generate_steps 3 -grid_nx 32 -grid_ny 32 -o "$tmp/$p.nc" 2>&1); code=$?
  echo "$out" | head -2
  check "-generate_problem $p runs and records its parameters" '[ $code = 0 ] && ncdump -h "$tmp/$p.nc" | grep -q ":true_reaction_"'
done
[ $fail = 0 ] && echo "PASSED" || echo "FAILED"
exit $fail
