#!/usr/bin/env bash
# Benchmarks (not tests): the pipeline, Ollama, pool (1 vs 2 servers) and backup benchmarks,
# the text engine against pdftotext on one core, the audit log and the detectors. Writes docs/bench/latest.txt in Go's benchmark format, so runs can be
# compared with benchstat. Needs the Ollama binary (scripts/build-ollama.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-ollama.sh
mkdir -p docs/bench
out=docs/bench/latest.txt
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(git describe --always --dirty 2>/dev/null || echo unknown)"
  echo "# $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version)"
} > "$out"
echo "bench: go test -run '^\$' -bench . -benchtime 3x -timeout 90m ./cmd/precis/ | tee -a $out"
go test -run '^$' -bench . -benchtime 3x -timeout 90m ./cmd/precis/ | tee -a "$out"
echo "bench: go test -run '^\$' -bench . -cpu 1 -benchtime 3x ./summarize/extract/pdftext/ | tee -a $out"
go test -run '^$' -bench . -cpu 1 -benchtime 3x ./summarize/extract/pdftext/ | tee -a "$out"
echo "bench: go test -run '^\$' -bench 'AuditAppend|AuditVerify100k' -benchtime 3x ./storage/ | tee -a $out"
go test -run '^$' -bench 'AuditAppend|AuditVerify100k' -benchtime 3x ./storage/ | tee -a "$out"
echo "bench: go test -run '^\$' -bench Scan -benchmem ./summarize/classify/ | tee -a $out"
go test -run '^$' -bench Scan -benchmem ./summarize/classify/ | tee -a "$out"
