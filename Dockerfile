# syntax=docker/dockerfile:1
# eso's image: the wheel and its dependencies in a venv, copied onto a clean slim Python.
# The builder stage may hold compilers and pip caches; the final stage holds neither.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY eso ./eso
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
 && python -m venv /opt/eso \
 && /opt/eso/bin/pip install /wheels/eso-*.whl \
 && /opt/eso/bin/pip uninstall --yes pip

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
