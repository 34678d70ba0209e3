"""The embedded local stack: moto in server mode, provisioned from template.yaml, real handlers."""
