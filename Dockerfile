# Precis: a cgo build (go-sqlite3), then a small Debian runtime that runs as a non-root user.
#
#   docker compose build                      # or: docker build --build-arg VERSION=v1.2.0 -t precis .
#
# No BuildKit-only syntax (RUN --mount cache mounts): the legacy builder, which docker-compose 1.29
# falls back to on hosts without buildx, refuses it. The go.mod/go.sum layer caches the modules.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# VERSION is what `precis version` prints; .git is not in the build context, so pass it in.
ARG VERSION=dev
# The same script as `make build`, so the image holds the binary the tests were run against.
RUN bash scripts/build.sh /out/precis "${VERSION}" && /out/precis version

FROM debian:bookworm-slim
ARG VERSION=dev
LABEL org.opencontainers.image.title="Precis" \
      org.opencontainers.image.description="Confidential contract summarization on your own server" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"
# poppler-utils (pdftotext, pdftoppm) and tesseract read the pages Precis's own PDF reader
# cannot: fonts with broken character maps, damaged or AES-256 files, scans (OCR; tesseract-ocr-osd
# for --psm 1 orientation detection). curl serves the HEALTHCHECK.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
      poppler-utils tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin precis \
 && mkdir -p /data && chown precis:precis /data && chmod 0750 /data
COPY --from=build /out/precis /usr/local/bin/precis
USER precis:precis
WORKDIR /data
# Fixed inside the container: listen on every interface of the container (the host decides
# what is published) and keep the SQLite file and the PDFs in the /data volume.
ENV PRECIS_ADDR=0.0.0.0:8080 \
    PRECIS_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS --max-time 4 http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["precis"]
CMD ["serve"]
