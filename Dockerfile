# The platform's image: API, relay and projection workers run from it with different commands.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY marketplace ./marketplace
RUN pip install --no-cache-dir .
ENV MARKETPLACE_HOST=0.0.0.0 MARKETPLACE_PORT=8000 MARKETPLACE_DATA_DIR=/data
EXPOSE 8000
CMD ["marketplace", "serve"]
