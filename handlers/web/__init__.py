"""The bot's one web server: /healthz and /metrics for operators, /telegram for webhook
updates (and, later, the wish wall). Routes call the same core services as the chat handlers."""
