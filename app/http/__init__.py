"""The HTTP edge below the GraphQL view: ASGI middleware and request limits."""
