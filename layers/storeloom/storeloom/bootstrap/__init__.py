"""The composition root: settings, clients, and every handler's service built from them."""
