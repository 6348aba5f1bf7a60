# syntax=docker/dockerfile:1
#
# JupyterLab with the golab kernel and the lesson notebooks.
#   docker compose up --build      (see docker-compose.yml)
# The server keeps Jupyter's token auth: open the URL with ?token=... that the
# logs print (docker compose logs lab).

# --- build: the golab binary, linked with cgo against libzmq ----------------
FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libzmq3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -o /out/golab . \
 && /out/golab version

# --- run: the official Jupyter image, pinned by its date tag -----------------
# quay.io/jupyter/base-notebook:2026-08-24 is Ubuntu 24.04, Python 3.13,
# JupyterLab 4.6. Move the tag forward deliberately, never to latest.
FROM quay.io/jupyter/base-notebook:2026-08-24

# The ZeroMQ runtime library golab links against (root only for apt).
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libzmq5 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/golab /usr/local/bin/golab

# Everything from here on runs as the image's unprivileged user (jovyan).
USER ${NB_UID}

# The kernelspec goes into the conda prefix, where the image's Jupyter looks.
RUN golab install --prefix "${CONDA_DIR}" \
 && jupyter kernelspec list | grep -q golab

# The lessons, baked in so `docker run` alone works; docker-compose.yml mounts
# the host's notebooks/ over them so edits persist.
COPY --chown=${NB_UID}:${NB_GID} notebooks /home/jovyan/notebooks
WORKDIR /home/jovyan

EXPOSE 8888
# /api answers without a token: a cheap sign that the server is up.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8888/api', timeout=4)" || exit 1

# The image's entrypoint (tini, start.sh) stays; JupyterLab opens on the lessons.
CMD ["start-notebook.py", "--ServerApp.root_dir=/home/jovyan/notebooks"]
