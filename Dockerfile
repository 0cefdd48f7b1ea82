# eso's image: the eso wheel and its runtime dependencies in a venv at /opt/eso, copied onto a
# clean slim Python. The builder stage may hold pip, compilers and caches; the final stage holds
# none of them. `make image` builds it (see README, "The container image").
#
# The Dockerfile names no interpreter path: `python` is /usr/local/bin/python in the official
# python:3.11-slim and /usr/bin/python in the Debian-made stand-in (scripts/make-standin-base);
# the venv points at whichever the base has, and both stages share that base. No `# syntax=`
# line: it would make BuildKit pull its frontend from Docker Hub, and the built-in one (Docker
# 23+, buildah/podman) already knows RUN --mount.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY pyproject.toml README.md ./
COPY eso ./eso
# The venv is made without pip, so neither pip nor setuptools/pkg_resources ever enter it: the
# builder's own pip installs into it (--python, pip >= 22.3). Behind a TLS-intercepting proxy,
# pass a pip configuration and a CA bundle as build secrets (ids pipconf and cacert); they are
# mounted under /run/secrets for this step only, never written to a layer, and absent by
# default. PIP_CERT wins over a `cert` line in pip.conf, which names a path on the host.
RUN --mount=type=secret,id=pipconf \
    --mount=type=secret,id=cacert \
    set -eu; \
    if [ -s /run/secrets/pipconf ]; then export PIP_CONFIG_FILE=/run/secrets/pipconf; fi; \
    if [ -s /run/secrets/cacert ]; then export PIP_CERT=/run/secrets/cacert; fi; \
    python -m pip wheel --no-deps --wheel-dir /wheels . ; \
    python -m venv --without-pip /opt/eso; \
    python -m pip --python /opt/eso/bin/python install --no-warn-script-location \
        /wheels/eso-*.whl; \
    rm -f /opt/eso/bin/activate* /opt/eso/bin/Activate.ps1

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="eso" \
      org.opencontainers.image.description="An asyncio-native External Secrets Operator for Kubernetes" \
      org.opencontainers.image.licenses="Apache-2.0"
# The root filesystem is read-only in the chart, so Python must not try to write .pyc files
# (pip compiled them at install time).
ENV PATH=/opt/eso/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=builder /opt/eso /opt/eso
# Numeric, so Kubernetes can verify runAsNonRoot without a passwd entry (distroless's nonroot).
USER 65532:65532
EXPOSE 8080 8082
ENTRYPOINT ["eso"]
CMD ["run"]
