"""One application module per service: the work a handler hands its event to."""
