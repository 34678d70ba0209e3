"""The developer and operator tooling: the storeloom CLI, the local stack, the fake platforms and the demo.

Installed by pip for developers and operators; never shipped in the Lambda layer.
"""
