# Sourced by the tests on real ERSST data (from the repository root): sets $file, or ends the test as skipped, with the
# reason, when the user-supplied file is absent.
if [ -z "${HYCAST_DATA:-}" ]; then
  echo "SKIPPED: HYCAST_DATA is not set (make sets it; the Makefile has its default)"
  exit 0
fi
file=$HYCAST_DATA/ersst/sst.mnmean.nc
if [ ! -r "$file" ]; then
  echo "SKIPPED: $file not found (real ERSST data is user-supplied; see $HYCAST_DATA/README.md)"
  exit 0
fi
