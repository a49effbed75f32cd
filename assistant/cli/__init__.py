"""The command-line interface: thin commands over `assistant.service`."""
