#!/usr/bin/env bash
# The real servers the integration tests start on 127.0.0.1 (Debian packages):
# Prometheus + promtool, JupyterHub 3 + the notebook server, openssl for test certificates,
# chromium (driven by playwright-core) for the pages people look at, and a font for them,
# Info-ZIP unzip to check the deploy archive.
# Run it as root (CI, containers) or as a user with sudo: it re-runs itself through sudo.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -- bash "$0" "$@"; fi
  echo "install-stack: run as root, or install sudo (apt-get needs root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends prometheus jupyterhub jupyter-notebook openssl chromium fonts-dejavu-core unzip
