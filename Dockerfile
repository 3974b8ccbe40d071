# One image for every notifier process (web, worker, beat, migrate, the dev profile's sandbox); the
# command picks the role. Built in two stages: the first builds notifier's wheel with GOV.UK Frontend
# inside it (npm ci, then setup.py copies the assets into the package); the second installs the
# pinned dependencies from requirements.lock and then that wheel, with no checkout and no Node.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY pyproject.toml setup.py README.md requirements.lock ./
COPY notifier notifier
COPY workers workers
COPY notify_sandbox notify_sandbox
COPY templates templates
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NOTIFIER_VAR_DIR=/var/lib/notifier
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir -r /tmp/requirements.lock
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir --no-deps /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels /tmp/requirements.lock \
    && useradd --system --home-dir /var/lib/notifier --create-home notifier
USER notifier
WORKDIR /var/lib/notifier

EXPOSE 8000
CMD ["notifier", "web", "--host", "0.0.0.0", "--port", "8000"]
