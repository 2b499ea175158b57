"""The subcommands of ``fedra``, one module each."""
