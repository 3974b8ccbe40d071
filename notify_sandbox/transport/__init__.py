"""HTTP in and out of the process: a bare ASGI request/response/router, Notify's error bodies, and
uvicorn on a socket bound before start-up."""
