"""Local development stack: moto-hosted infrastructure built from template.yaml, pollers, CLI."""
