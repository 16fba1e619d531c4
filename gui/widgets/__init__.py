"""The main window's parts: each widget renders one thing and emits what the user asked for."""
