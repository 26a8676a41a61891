"""The public contract integrators code against: Strawberry types (`catalog`, `verdicts`,
`types`, `inputs`, `enums`), the request context, the error mapping at the boundary, and
the root assembly (`root.build_schema`), the one module that knows the resolvers."""
