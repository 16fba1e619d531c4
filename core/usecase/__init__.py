"""The use cases every front end calls: check one setting, find the settings that work, explain a text.

The CLI commands and the desktop app's tasks are thin adapters around these: they collect and
validate the input, call one function here, and render what it returns. Nothing here knows about
a terminal or a widget, so the same input gives the same findings and the same report everywhere.
"""
