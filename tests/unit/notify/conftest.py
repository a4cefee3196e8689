"""Fixtures for the notify building blocks: a real SMTP server and an SMS-provider stub on loopback."""
