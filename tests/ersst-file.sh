# Sourced by the tests on real ERSST data (from the repository root): sets $file, or ends the test as skipped, with the
# reason, when the user-supplied file is absent.
file=../shared/data/ersst/sst.mnmean.nc
if [ ! -r "$file" ]; then
  echo "SKIPPED: $file not found (real ERSST data is user-supplied; see ../shared/data/README.md)"
  exit 0
fi
