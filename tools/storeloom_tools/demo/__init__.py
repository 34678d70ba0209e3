"""The demo: scripted store activity on the local stack."""
