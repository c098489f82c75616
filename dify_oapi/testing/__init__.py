"""dify_oapi.testing: a built-in Dify-compatible server for tests and the demo (``pip install dify-oapi[testing]``)."""
