# config.
