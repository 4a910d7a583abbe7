# aks-netlint as a container: a static musl binary in an empty image.
#   docker run --rm -v "$PWD:/src" ghcr.io/aks-netlint/aks-netlint
# The release workflow builds it for linux/amd64 and linux/arm64 and pushes it to GHCR.
# `--compare-to` runs git, which this image does not have; use the release binary for it.

FROM rust:1.89-alpine3.22 AS build
# The official Alpine image already has gcc and musl-dev; Rust targets musl there and links
# statically by default, so the binary needs nothing from the last stage.
# jemalloc (the allocator) is built from source with make. On arm64 it gets 64 KiB pages, which
# run on every aarch64 kernel; the builder's own page size might not. make is not pinned: this
# stage is pinned by its base image, and Alpine drops superseded package revisions.
# hadolint ignore=DL3018
RUN apk add --no-cache make
WORKDIR /build
COPY . .
RUN if [ "$(uname -m)" = aarch64 ]; then export JEMALLOC_SYS_WITH_LG_PAGE=16; fi \
    && cargo build --release --locked \
    && cp target/release/aks-netlint /aks-netlint \
    && /aks-netlint --version

FROM scratch
LABEL org.opencontainers.image.title="aks-netlint" \
      org.opencontainers.image.description="Lint AKS networking in Terraform, Bicep and ARM" \
      org.opencontainers.image.source="https://github.com/aks-netlint/aks-netlint" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /aks-netlint /usr/local/bin/aks-netlint
# Not root: the linter only reads the mounted repository (and writes what --output names).
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/aks-netlint"]
CMD ["."]
