"""Presidio recognizers for Chinese personal information."""
