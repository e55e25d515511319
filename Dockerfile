# physio_notes as an HTTP service (physio-notes serve): see docs/service.md.
#   docker build -t physio-notes .
#   docker run --rm -p 127.0.0.1:8000:8000 -e PHYSIO_NOTES_SECRET=... physio-notes
FROM python:3.11-slim-bookworm

# WeasyPrint needs Pango, and HarfBuzz's subsetter for small, reproducible PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY physio_notes ./physio_notes
COPY templates ./templates
COPY examples ./examples
RUN pip install --no-cache-dir ".[serve]" && rm -rf /app/*

RUN useradd --system --uid 10001 --no-create-home physio
USER physio

# Inside the container the service must listen on every interface; publish the port to the
# reverse proxy only. Give every instance the same PHYSIO_NOTES_SECRET (handout links), and a
# PHYSIO_NOTES_TOKEN to require a bearer token.
ENV PYTHONUNBUFFERED=1 \
    PHYSIO_NOTES_WORKERS=2
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
STOPSIGNAL SIGTERM
CMD ["physio-notes", "serve", "--host", "0.0.0.0", "--port", "8000"]
