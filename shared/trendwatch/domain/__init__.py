"""Pure domain types and logic: no I/O, no clients, no SQL."""
