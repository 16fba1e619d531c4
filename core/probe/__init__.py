"""The probe: a runner drives the SMTP conversation over a transport and records what happened."""
