"""Storeloom: ecommerce marketing-automation infrastructure for AWS SAM."""

__version__ = "0.1.0"
