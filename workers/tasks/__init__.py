"""Celery tasks: thin. Ids in, build nothing per call, call one service, re-queue by its answer."""
