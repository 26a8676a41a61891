"""Running the engine: binary choice, work directories, the child process, its events."""
