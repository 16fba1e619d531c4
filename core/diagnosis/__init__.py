"""Diagnosis: turns a probe result (or a pasted reply) into ordered findings with fixes."""
