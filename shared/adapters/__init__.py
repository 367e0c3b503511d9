"""Adapters: DynamoDB state, EventBridge publishing, dead-letter sending. Clients are lazy."""
