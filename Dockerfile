# syntax=docker/dockerfile:1
#
# The canary-analyzer image: a static Go binary on distroless, run as a
# numeric non-root user. Release builds pass the image tag and the commit:
#
#   tag=$(scripts/release-tag.sh canary-analyzer@1.4.2)          # v1.4.2
#   docker build --build-arg VERSION="$tag" --build-arg COMMIT="$(git rev-parse HEAD)" \
#       -t ghcr.io/canary-analyzer/canary-analyzer:"$tag" .
#
# The binary is built by scripts/build.sh, the same script .ci/run uses, so
# CI checks the exact build the image gets. Rule files are read from
# /etc/canary-analyzer/rules: the image carries the shipped ones there
# (deploy/base/rules), and Kubernetes mounts the rules ConfigMap over them.

ARG GO_VERSION=1.26.8

# Build on the builder's own platform and cross-compile for the target one.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src

# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
RUN --mount=type=cache,target=/root/.cache/go-build \
    GOOS="$TARGETOS" GOARCH="$TARGETARCH" VERSION="$VERSION" COMMIT="$COMMIT" OUT=/out/analyzer \
    sh scripts/build.sh

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="canary-analyzer" \
      org.opencontainers.image.description="Judges Argo Rollouts canaries against their stable pods" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$COMMIT"
COPY --from=build /out/analyzer /usr/local/bin/analyzer
COPY deploy/base/rules/ /etc/canary-analyzer/rules/
# distroless' nonroot user, by number: Kubernetes can then verify
# runAsNonRoot without resolving a name.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/analyzer"]
CMD ["serve"]
