"""Adapters over AWS services. The only package besides the platform clients that touches boto3."""
