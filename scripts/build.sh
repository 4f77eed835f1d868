#!/usr/bin/env bash
# The one way Precis's binary is built: `make build` and the Dockerfile's build stage both run
# this script, so the binary the tests run and the one in the image are built alike.
#
#   scripts/build.sh OUT [VERSION]
#
# OUT is the binary to write; VERSION is what `precis version` prints (default: git describe,
# or "dev" outside a git checkout, as in the Docker build context). cgo is required: the
# SQLite driver (mattn/go-sqlite3) is C.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
  echo "usage: scripts/build.sh OUT [VERSION]   (for example: scripts/build.sh bin/precis v1.2.0)" >&2
  exit 2
fi
out=$1
# OUT is relative to the caller's directory; the build runs from the repository root.
case $out in /*) ;; *) out="$PWD/$out" ;; esac
cd "$(dirname "$0")/.."

version=${2:-$(git describe --always --dirty 2>/dev/null || echo dev)}
if ! [[ $version =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]]; then
  echo "scripts/build.sh: VERSION \"$version\" may hold only letters, digits and . _ + - (it goes into -ldflags)" >&2
  exit 2
fi

set -x
CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${version}" -o "$out" ./cmd/precis
