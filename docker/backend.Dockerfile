# Fupin API (and the built SPA) in one image. Build from the repository root:
#   docker build -f docker/backend.Dockerfile -t fupin .
FROM node:20-bookworm-slim AS spa
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
COPY openapi/ /src/openapi/
RUN ./node_modules/.bin/vite build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FUPIN_SPA_DIST=/app/frontend/dist
WORKDIR /app
# the Chinese font embedded in the PDFs of public notices (公告公示; FUPIN_NOTICE_FONT overrides it)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-zenhei && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml alembic.ini ./
COPY backend/ backend/
COPY migrations/ migrations/
RUN pip install --no-cache-dir .
COPY --from=spa /src/frontend/dist /app/frontend/dist
RUN useradd --system --uid 10001 fupin
USER fupin
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request;urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# Migrations run before the server starts; several replicas may start at once (Alembic takes a lock per step).
CMD ["sh", "-c", "fupin migrate && exec fupin serve --host 0.0.0.0 --port 8000 --workers ${FUPIN_WORKERS:-2}"]
