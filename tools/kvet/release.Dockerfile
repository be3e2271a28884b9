# The image a release publishes (.goreleaser.yaml, dockers_v2): GoReleaser
# builds the static kvet binaries and puts each in the build context as
# $TARGETPLATFORM/kvet (linux/amd64/kvet, linux/arm64/kvet); buildx builds one image per platform and pushes the
# index. Nothing is compiled here; to build from source without GoReleaser,
# use tools/kvet/Dockerfile.
#
# The base is pinned by digest, not only by tag, so that rebuilding a tag
# gives the same base. gcr.io/distroless/static-debian12:nonroot (multi-arch
# index) as of 2026-08/09; the digest could not be pulled from the registry
# where this file was written (no Docker engine), it is the one public
# Dockerfiles pinned then with the date and the command that resolved it
# ("as of 2026-08-26 ... crane digest", "pinned 2026-09-14 ... docker buildx
# imagetools inspect"), following the Renovate digest updates d093aa3 ->
# aef9602 -> f5b485e of 2026-05..08. Update it with the Dockerfile's other
# copy (tools/kvet/Dockerfile) by running
#   crane digest gcr.io/distroless/static-debian12:nonroot
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/kvet /usr/local/bin/kvet
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/kvet"]
CMD ["validate", "."]
