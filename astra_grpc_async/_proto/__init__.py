"""Generated code only: regenerate with `nox -s protos`."""
