"""The local runtime: in-process bus and the multi-process router."""
