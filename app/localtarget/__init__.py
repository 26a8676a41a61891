"""The `local` target: a Terraform provider (written with `tf`) that runs services as local processes.

`provider.py` is the plugin the engine starts, `process.py` starts, probes and stops
processes, `install.py` lays the plugin into a filesystem mirror and writes the CLI config
that points the engine at it. Kept free of imports: the engine starts the plugin often.
"""
