#!/usr/bin/env bash
# build-ollama.sh installs the ollama server that integration tests talk to
# (summarize/llm/ollamatest) into $(go env GOPATH)/bin/ollama.
#
# It builds ollama from its Go module, so no model hub or release download is
# needed. The module zip leaves out llama.cpp's vendor/ folder; the headers it
# needs come from Debian (nlohmann-json3-dev, libstb-dev) and from
# scripts/ollama-shim (a stub miniaudio.h: audio input stays unsupported).
#
# Idempotent: does nothing when a binary reporting the wanted version is there.
# The first build takes about 5 minutes on 2 cores; Go's build cache makes
# later builds fast.
set -euo pipefail

OLLAMA_VERSION="${OLLAMA_VERSION:-0.17.4}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shim_dir="${repo_root}/scripts/ollama-shim"
gobin="$(go env GOBIN)"
if [[ -z "${gobin}" ]]; then
	gobin="$(go env GOPATH)/bin"
fi
bin="${gobin}/ollama"

log() { echo "build-ollama: $*"; }

installed_version() {
	# "ollama -v" asks a server for its version first; point it at a closed
	# port so it prints only "Warning: client version is X.Y.Z".
	OLLAMA_HOST=127.0.0.1:1 "${bin}" -v 2>&1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | tail -n 1 || true
}

if [[ -x "${bin}" ]]; then
	have="$(installed_version)"
	if [[ "${have}" == "${OLLAMA_VERSION}" ]]; then
		log "${bin} already reports version ${have}; nothing to do"
		exit 0
	fi
	log "${bin} reports version '${have}', want ${OLLAMA_VERSION}; rebuilding"
fi

packages=(nlohmann-json3-dev libstb-dev)
missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "${p}" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("${p}")
	fi
done
if ((${#missing[@]} > 0)); then
	sudo_cmd=()
	if [[ "$(id -u)" != "0" ]]; then
		sudo_cmd=(sudo)
	fi
	log "installing Debian packages: ${missing[*]}"
	"${sudo_cmd[@]}" apt-get update
	"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
	log "Debian packages present: ${packages[*]}"
fi

export CGO_ENABLED=1
export CGO_CPPFLAGS="-I${shim_dir}${CGO_CPPFLAGS:+ ${CGO_CPPFLAGS}}"
log "CGO_CPPFLAGS=${CGO_CPPFLAGS}"
log "go install github.com/ollama/ollama@v${OLLAMA_VERSION} (first build takes ~5 min)"
start=$(date +%s)
# Run outside the repository so the install uses ollama's own go.mod.
# The version is stamped with -X like ollama's own release scripts do;
# without it the binary reports 0.0.0.
(cd / && go install -trimpath \
	-ldflags="-w -s -X=github.com/ollama/ollama/version.Version=${OLLAMA_VERSION} -X=github.com/ollama/ollama/server.mode=release" \
	"github.com/ollama/ollama@v${OLLAMA_VERSION}")
log "built in $(($(date +%s) - start))s"

have="$(installed_version)"
if [[ "${have}" != "${OLLAMA_VERSION}" ]]; then
	log "error: ${bin} reports version '${have}', want ${OLLAMA_VERSION}" >&2
	exit 1
fi
log "installed ${bin} (version ${have})"
