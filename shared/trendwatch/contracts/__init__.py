"""Event schemas (versioned) and the one topology of topics and subscriptions."""
