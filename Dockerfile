# Precis: a cgo build (go-sqlite3), then a small Debian runtime that runs as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/precis ./cmd/precis

FROM debian:bookworm-slim
# poppler-utils (pdftotext, pdftoppm) and tesseract read the pages Precis's own PDF reader
# cannot: fonts with broken character maps, damaged or AES-256 files, scans (OCR).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
      poppler-utils tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin precis \
 && mkdir -p /data && chown precis:precis /data
COPY --from=build /out/precis /usr/local/bin/precis
USER precis
ENV PRECIS_ADDR=0.0.0.0:8080 \
    PRECIS_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["precis"]
CMD ["serve"]
