"""Benchmarks of dify-oapi against a raw-httpx floor and the published peer SDKs: ``python -m benchmarks``."""
