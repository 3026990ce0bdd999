# syntax=docker/dockerfile:1
# Tessera: the build stage makes the wheel (and its dependencies' wheels); the runtime stage
# installs them from there, with no compiler, no sources and no network.
#
#   docker build -t tessera .
#   docker run -p 8000:8000 -e TESSERA_SECRET=... tessera                 # the API
#   docker run -e TESSERA_REDIS_URL=... -e TESSERA_MONGODB_URL=... tessera tessera worker
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# .dockerignore keeps the context to pyproject.toml, README.md and the packages.
COPY . .
RUN pip wheel --wheel-dir /wheels .

FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# Versions are those the build stage resolved; --no-index fetches nothing.
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels tessera
RUN useradd --create-home --uid 10001 --user-group tessera
USER 10001:10001
WORKDIR /home/tessera
EXPOSE 8000
# The same image runs the worker: `tessera worker` as the command.
CMD ["tessera", "serve", "--host", "0.0.0.0"]
