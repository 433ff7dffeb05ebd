"""The local stack's processes: the Procfile commands and LiteLLM environment (env), starting and stopping them on
free loopback ports (procs, shared by the test fixtures and the benchmark), and `make up` itself (local_stack)."""
