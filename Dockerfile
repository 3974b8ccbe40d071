# One image for every notifier process (web, worker, beat, sandbox); the command picks the role.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY pyproject.toml README.md ./
COPY notifier notifier
COPY workers workers
COPY notify_sandbox notify_sandbox
COPY templates templates
# Editable, so templates/ and node_modules/ are found beside the package, as in a checkout.
RUN pip install --no-cache-dir -e . && useradd --system --home /app notifier && chown -R notifier /app
USER notifier

EXPOSE 8000
CMD ["notifier", "web", "--host", "0.0.0.0", "--port", "8000"]
