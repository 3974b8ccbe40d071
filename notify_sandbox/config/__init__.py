"""What one sandbox serves, fixed at start: services, keys, templates, limits, timings and faults,
read from options, a config file and a state file."""
