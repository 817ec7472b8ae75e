# The platform's image: API, relay and projection workers run from it with different commands.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY marketplace ./marketplace
RUN pip install --no-cache-dir .
# The seal key (when MARKETPLACE_SEAL_KEY is unset) goes under /config, never into /data:
# mount both, and back them up apart.
ENV MARKETPLACE_HOST=0.0.0.0 MARKETPLACE_PORT=8000 MARKETPLACE_DATA_DIR=/data \
    XDG_CONFIG_HOME=/config
EXPOSE 8000
CMD ["marketplace", "serve"]
