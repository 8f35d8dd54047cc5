# syntax=docker/dockerfile:1

# Build stage: the newsflow wheel and a wheel of every dependency.
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src
# .dockerignore lets in only what the build needs (pyproject.toml, README,
# licence files and the package folders).
COPY . .
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: the installed package only, no source tree, no build tools.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    NEWSFLOW_METRICS_PORT=9464

# An unprivileged user whose home, /app, is the working directory: outside the
# source tree, so that nothing there shadows the installed package.
RUN groupadd --system --gid 10001 newsflow \
 && useradd --system --uid 10001 --gid newsflow --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin newsflow \
 && install -d -o newsflow -g newsflow -m 0750 /app

# The wheels come from the build stage and are pinned by it (the resolver ran
# there); --no-index keeps this install off the network.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /wheels/newsflow-*.whl

WORKDIR /app
USER 10001:10001

# /metrics, /healthz and /readyz
EXPOSE 9464

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('NEWSFLOW_METRICS_PORT', '9464'), timeout=4)"]

ENTRYPOINT ["newsflow"]
CMD ["run"]
