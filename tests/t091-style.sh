#!/usr/bin/env bash
# Every C source and header is formatted with the checked-in .clang-format (make format fixes it).
set -u
cd "$(dirname "$0")/.."
files=$(find src include tests bench -name '*.[ch]' | sort)
bad=0
for f in $files; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then echo "  not formatted: $f"; bad=1; fi
done
[ $bad = 0 ] && echo "PASSED: $(echo "$files" | wc -w) files formatted" || echo "FAILED: run 'make format'"
exit $bad
