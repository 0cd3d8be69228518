#!/usr/bin/env bash
# The real servers the integration tests start on 127.0.0.1 (Debian packages):
# Prometheus + promtool, JupyterHub 3 + the notebook server, openssl for test certificates,
# chromium (driven by playwright-core) for the pages people look at, and a font for them.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends prometheus jupyterhub jupyter-notebook openssl chromium fonts-dejavu-core
