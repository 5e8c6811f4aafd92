"""Where student programs run: pods (namespaces or process groups), programs, limits, capture, /proc, the shim."""
