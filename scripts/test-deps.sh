#!/usr/bin/env bash
# Installs what `make test` needs when it is missing, saying what it does.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
dpkg -s nlohmann-json3-dev >/dev/null 2>&1 || need+=(nlohmann-json3-dev)
dpkg -s libstb-dev >/dev/null 2>&1 || need+=(libstb-dev)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v tesseract >/dev/null || need+=(tesseract-ocr)
dpkg -s tesseract-ocr-eng >/dev/null 2>&1 || need+=(tesseract-ocr-eng)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-deps: installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
else
  echo "test-deps: Debian packages present (chromium, nlohmann-json3-dev, libstb-dev, docker-compose, poppler-utils, tesseract-ocr, tesseract-ocr-eng)"
fi

templ_version=$(go list -m -f '{{.Version}}' github.com/a-h/templ)
if ! command -v templ >/dev/null || ! templ version 2>/dev/null | grep -q "${templ_version#v}"; then
  echo "test-deps: go install github.com/a-h/templ/cmd/templ@${templ_version}"
  go install "github.com/a-h/templ/cmd/templ@${templ_version}"
fi

bash scripts/build-ollama.sh
