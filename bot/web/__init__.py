"""The gateway's ASGI app: the single public entry point of the assistant."""
