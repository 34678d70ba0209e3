"""Storeloom's own records and rules, and the canonical model (storeloom.domain.model). Pure: no I/O."""
