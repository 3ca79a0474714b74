"""Side-by-side benchmarks of astra_grpc_async: `python -m benchmarks` (or
`nox -s bench`). Ratios against a bare grpc.aio + upb floor and the naive
betterproto2 + grpclib stack, measured in one run against a canned server in
another process. See benchmarks/README.md."""
