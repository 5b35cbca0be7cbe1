"""Platform: auth, orgs, users, API keys, the task pipeline's REST and WebSocket faces."""
